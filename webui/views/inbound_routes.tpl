% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('in.add')}}</button></div>
</div>
<p class="muted intro">{{_('in.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('in.col.name')}}</th><th>{{_('in.col.did')}}</th><th>{{_('in.col.cid')}}</th>
      <th>{{_('in.col.destination')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('in.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('in.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="60">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('in.f.did')}}</span>
        <input name="did" autocomplete="off" class="mono" placeholder="{{_('in.f.any')}}">
        <span class="field-error" data-error-for="did" hidden></span></label>
      <label class="field"><span class="label">{{_('in.f.cid')}}</span>
        <input name="cid" autocomplete="off" class="mono" placeholder="{{_('in.f.any')}}">
        <span class="field-error" data-error-for="cid" hidden></span></label>
    </div>
    <p class="hint">{{_('in.f.pattern_hint')}}</p>
    <div class="field"><span class="label">{{_('in.f.destination')}}</span>
      <div id="destination"></div>
      <span class="field-error" data-error-for="destination" hidden></span></div>
    <label class="check"><input type="checkbox" name="fax_detect"> {{_('in.f.fax_detect')}}</label>
    <p class="hint">{{_('in.f.fax_detect_hint')}}</p>
    <span class="field-error" data-error-for="fax_detect" hidden></span>
    % include('language_field')
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
