% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('perm.add')}}</button></div>
</div>
<p class="muted intro">{{_('perm.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('perm.col.name')}}</th><th>{{_('perm.col.reach')}}</th><th>{{_('perm.col.extensions')}}</th>
      <th>{{_('perm.col.note')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('perm.none')}}</p></div>
</section>

<section class="card">
  <form id="emergency-form" class="stack" novalidate>
    <h2>{{_('perm.emergency')}}</h2>
    <p class="muted">{{_('perm.emergency_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('perm.f.emergency_numbers')}}</span>
      <input name="emergency_numbers" inputmode="numeric" autocomplete="off" placeholder="110, 119, 120, 122, 112">
      <span class="field-error" data-error-for="emergency_numbers" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('perm.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="30" pattern="[a-z][a-z0-9_\-]*" placeholder="sales">
      <span class="hint">{{_('perm.f.name_hint')}}</span>
      <span class="field-error" data-error-for="name" hidden></span></label>
    <fieldset class="field"><legend class="label">{{_('perm.f.reach')}}</legend>
      <label class="check"><input type="checkbox" name="reach.local"> {{_('perm.reach.local')}}</label>
      <label class="check"><input type="checkbox" name="reach.national"> {{_('perm.reach.national')}}</label>
      <label class="check"><input type="checkbox" name="reach.international"> {{_('perm.reach.international')}}</label>
      <span class="hint">{{_('perm.f.reach_hint')}}</span>
      <span class="field-error" data-error-for="reach" hidden></span></fieldset>
    <label class="field"><span class="label">{{_('perm.f.note')}}</span>
      <input name="note" autocomplete="off" maxlength="60">
      <span class="field-error" data-error-for="note" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
