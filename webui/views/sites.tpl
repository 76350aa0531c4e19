% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('sites.add')}}</button></div>
</div>
<p class="muted intro">{{_('sites.intro')}}</p>
<section class="card table-card">
  <h2>{{_('sites.branches')}}</h2>
  <div class="table-wrap">
  <table class="table" id="sites">
    <thead><tr>
      <th>{{_('sites.col.number')}}</th><th>{{_('sites.col.name')}}</th><th>{{_('sites.col.extensions')}}</th>
      <th>{{_('sites.col.dialled')}}</th><th>{{_('sites.col.state')}}</th><th>{{_('sites.col.tunnel')}}</th><th>{{_('sites.col.last_seen')}}</th>
      <th>{{_('sites.col.trunk')}}</th><th>{{_('sites.col.version')}}</th><th>{{_('sites.col.phones')}}</th>
      <th>{{_('sites.col.update')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('sites.none')}}</p></div>
</section>
<section class="card stack">
  <h2>{{_('sites.upd.title')}}</h2>
  <p class="muted">{{_('sites.upd.intro')}}</p>
  <p class="mono" id="upd-bundle"></p>
  <div class="alert alert-error" id="upd-error" hidden></div>
  <label class="field"><span class="label">{{_('sites.upd.file')}}</span>
    <input type="file" id="upd-file" accept=".raucb"></label>
  <div><button class="btn" type="button" id="upd-upload">{{_('sites.upd.upload')}}</button></div>
</section>
<section class="card">
  <form id="enrol-form" class="stack" novalidate>
    <h2>{{_('sites.enrol')}}</h2>
    <p class="muted" id="enrol-state"></p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sites.f.code')}}</span>
      <textarea name="code" rows="3" autocomplete="off" class="mono" required></textarea>
      <span class="hint">{{_('sites.f.code_hint')}}</span>
      <span class="field-error" data-error-for="code" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('sites.enrol_button')}}</button></div>
  </form>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sites.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="64">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('sites.f.extensions')}}</span>
      <input name="extensions" autocomplete="off" required placeholder="2000-2099">
      <span class="hint">{{_('sites.f.extensions_hint')}}</span>
      <span class="field-error" data-error-for="extensions" hidden></span></label>
    <label class="field"><span class="label">{{_('sites.f.breakout')}}</span>
      <textarea name="breakout_patterns" rows="2" autocomplete="off" class="mono"></textarea>
      <span class="hint">{{_('sites.f.breakout_hint')}}</span>
      <span class="field-error" data-error-for="breakout_patterns" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('sites.issue')}}</button>
    </div>
  </form>
</dialog>

<dialog id="code-dialog" class="dialog">
  <form method="dialog" class="stack">
    <h2 class="dialog-title">{{_('sites.code_title')}}</h2>
    <p>{{_('sites.code_text')}}</p>
    <textarea id="code-text" rows="4" readonly class="mono"></textarea>
    <p class="muted" id="code-expires"></p>
    <div class="dialog-actions"><button class="btn btn-primary" value="close">{{_('common.close')}}</button></div>
  </form>
</dialog>

% include('confirm')
