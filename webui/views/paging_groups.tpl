% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('pg.add')}}</button></div>
</div>
<p class="muted intro">{{_('pg.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('pg.col.number')}}</th><th>{{_('pg.col.name')}}</th><th>{{_('pg.col.members')}}</th>
      <th>{{_('pg.col.mode')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('pg.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('pg.f.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" required>
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field"><span class="label">{{_('pg.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="64">
        <span class="field-error" data-error-for="name" hidden></span></label>
    </div>
    <div class="field"><span class="label">{{_('pg.f.members')}}</span>
      <div id="members"></div>
      <span class="hint">{{_('pg.f.members_hint')}}</span>
      <span class="field-error" data-error-for="members" hidden></span></div>
    <label class="check"><input type="checkbox" name="duplex"> {{_('pg.f.duplex')}}</label>
    <span class="field-error" data-error-for="duplex" hidden></span>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
