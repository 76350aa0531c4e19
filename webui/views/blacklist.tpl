% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('bl.add')}}</button></div>
</div>
<p class="muted intro">{{_('bl.intro')}}</p>
% if user.role == 'admin':
<section class="card">
  <form id="bl-dest-form" class="stack" novalidate>
    <h2>{{_('bl.dest.title')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('bl.dest.mode')}}</span>
      <select name="mode">
        <option value="busy">{{_('bl.dest.busy')}}</option>
        <option value="destination">{{_('bl.dest.destination')}}</option>
      </select></label>
    <div class="field" id="bl-dest-field"><span class="label">{{_('bl.dest.where')}}</span>
      <div id="bl-dest-picker"></div>
      <span class="field-error" data-error-for="blacklist_destination" hidden></span>
      <span class="field-error" data-error-for="blacklist_destination.kind" hidden></span>
      <span class="field-error" data-error-for="blacklist_destination.target" hidden></span></div>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
% end
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('bl.col.number')}}</th><th>{{_('bl.col.note')}}</th><th>{{_('bl.col.added')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('bl.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('bl.f.number')}}</span>
      <input name="number" inputmode="tel" autocomplete="off" required maxlength="40">
      <span class="hint">{{_('bl.f.number_hint')}}</span>
      <span class="field-error" data-error-for="number" hidden></span></label>
    <label class="field"><span class="label">{{_('bl.f.note')}}</span>
      <input name="note" autocomplete="off" maxlength="60">
      <span class="field-error" data-error-for="note" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
