% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('rg.add')}}</button></div>
</div>
<p class="muted intro">{{_('rg.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('rg.col.number')}}</th><th>{{_('rg.col.name')}}</th><th>{{_('rg.col.strategy')}}</th>
      <th>{{_('rg.col.members')}}</th><th>{{_('rg.col.no_answer')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('rg.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('rg.f.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" required>
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field"><span class="label">{{_('rg.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="64">
        <span class="field-error" data-error-for="name" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('rg.f.strategy')}}</span>
        <select name="strategy">
          <option value="ringall">{{_('rg.strategy.ringall')}}</option>
          <option value="inorder">{{_('rg.strategy.inorder')}}</option>
        </select>
        <span class="field-error" data-error-for="strategy" hidden></span></label>
      <label class="field"><span class="label">{{_('rg.f.ring_seconds')}}</span>
        <input name="ring_seconds" type="number" min="5" max="300">
        <span class="hint">{{_('rg.f.ring_seconds_hint')}}</span>
        <span class="field-error" data-error-for="ring_seconds" hidden></span></label>
    </div>
    <div class="field"><span class="label">{{_('rg.f.members')}}</span>
      <div id="members"></div>
      <span class="hint">{{_('rg.f.members_hint')}}</span>
      <span class="field-error" data-error-for="members" hidden></span></div>
    <div class="field"><span class="label">{{_('rg.f.no_answer')}}</span>
      <div id="no-answer"></div>
      <span class="field-error" data-error-for="no_answer" hidden></span></div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
