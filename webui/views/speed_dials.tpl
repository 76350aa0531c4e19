% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('sd.add')}}</button></div>
</div>
<p class="muted intro">{{_('sd.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('sd.col.dial')}}</th><th>{{_('sd.col.number')}}</th><th>{{_('sd.col.name')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('sd.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sd.f.code')}}</span>
      <input name="code" inputmode="numeric" autocomplete="off" required maxlength="2" pattern="[0-9]{2}">
      <span class="hint">{{_('sd.f.code_hint')}}</span>
      <span class="field-error" data-error-for="code" hidden></span></label>
    <label class="field"><span class="label">{{_('sd.f.number')}}</span>
      <input name="number" inputmode="numeric" autocomplete="off" required maxlength="20">
      <span class="hint">{{_('sd.f.number_hint')}}</span>
      <span class="field-error" data-error-for="number" hidden></span></label>
    <label class="field"><span class="label">{{_('sd.f.name')}}</span>
      <input name="name" autocomplete="off" maxlength="64">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
