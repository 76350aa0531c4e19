% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button" hidden>{{_('conf.add')}}</button></div>
</div>
<p class="muted intro">{{_('conf.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('conf.col.number')}}</th><th>{{_('conf.col.name')}}</th><th>{{_('conf.col.pins')}}</th>
      <th>{{_('conf.col.max')}}</th><th>{{_('conf.col.options')}}</th><th>{{_('conf.col.now')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('conf.none')}}</p></div>
</section>

<div id="live-rooms" class="stack"></div>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('conf.f.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" required maxlength="8">
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field"><span class="label">{{_('conf.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="60">
        <span class="field-error" data-error-for="name" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('conf.f.pin')}}</span>
        <input name="pin" inputmode="numeric" autocomplete="off" maxlength="12">
        <span class="hint">{{_('conf.f.pin_hint')}}</span>
        <span class="field-error" data-error-for="pin" hidden></span></label>
      <label class="field"><span class="label">{{_('conf.f.host_pin')}}</span>
        <input name="host_pin" inputmode="numeric" autocomplete="off" maxlength="12">
        <span class="hint">{{_('conf.f.host_pin_hint')}}</span>
        <span class="field-error" data-error-for="host_pin" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('conf.f.max')}}</span>
      <input name="max_parties" type="number" min="2" max="64" required>
      <span class="field-error" data-error-for="max_parties" hidden></span></label>
    <label class="check"><input type="checkbox" name="record"> {{_('conf.f.record')}}</label>
    <span class="field-error" data-error-for="record" hidden></span>
    <label class="check"><input type="checkbox" name="wait_for_host"> {{_('conf.f.wait')}}</label>
    <span class="field-error" data-error-for="wait_for_host" hidden></span>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
