% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('fax.intro')}}</p>
% if user.role == 'admin':
<section class="card">
  <form id="fax-mail-form" class="stack" novalidate>
    <h2>{{_('fax.mail.title')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('fax.mail.to')}}</span>
      <input name="fax_email" type="text" autocomplete="off" placeholder="fax@example.com, office@example.com">
      <span class="hint">{{_('fax.mail.hint')}}</span>
      <span class="field-error" data-error-for="fax_email" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
% end
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('fax.col.time')}}</th><th>{{_('fax.col.from')}}</th><th>{{_('fax.col.to')}}</th>
      <th>{{_('fax.col.pages')}}</th><th>{{_('fax.col.status')}}</th><th>{{_('fax.col.pdf')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('fax.none')}}</p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>

% include('confirm')
