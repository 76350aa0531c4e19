% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('out.add')}}</button></div>
</div>
<p class="muted intro">{{_('out.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('out.col.name')}}</th><th>{{_('out.col.patterns')}}</th><th>{{_('out.col.trunks')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('out.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('out.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="60">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <div class="field"><span class="label">{{_('out.f.patterns')}}</span>
      <table class="table compact">
        <thead><tr><th>{{_('out.f.pattern')}}</th><th>{{_('out.f.strip')}}</th><th>{{_('out.f.prefix')}}</th><th>{{_('out.f.reach')}}</th><th></th></tr></thead>
        <tbody id="patterns"></tbody>
      </table>
      <div><button class="btn btn-small" type="button" id="add-pattern">{{_('out.f.add_pattern')}}</button></div>
      <span class="hint">{{_('out.f.patterns_hint')}}</span>
      <span class="field-error" data-error-for="patterns" hidden></span></div>
    <div class="field"><span class="label">{{_('out.f.trunks')}}</span>
      <div id="trunks"></div>
      <span class="hint">{{_('out.f.trunks_hint')}}</span>
      <span class="field-error" data-error-for="trunks" hidden></span></div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
