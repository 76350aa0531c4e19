% rebase('layout')
% admin = user.role == 'admin'
<div class="page-head">
  <h1>{{title}}</h1>
  % if admin:
  <form class="picker" id="new-form" novalidate>
    <label class="field inline-field"><span class="sr-only">{{_('moh.name')}}</span>
      <input name="name" class="mono" placeholder="{{_('moh.name_placeholder')}}" aria-label="{{_('moh.name')}}" autocomplete="off" maxlength="40">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <button class="btn btn-primary" type="submit">{{_('moh.add')}}</button>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
  % end
</div>
<p class="muted intro">{{_('moh.intro') if admin else _('moh.intro_read')}}</p>
<section class="card">
  <div class="card-head"><h2>{{_('moh.default')}}</h2></div>
  <p class="muted">{{_('moh.default_text')}}</p>
  <p class="small" id="default-used"></p>
</section>
<div id="collections"></div>
<div class="empty-state card" id="empty" hidden><p class="muted">{{_('moh.none')}}</p></div>

% include('confirm')
