% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('users.add')}}</button></div>
</div>
<p class="muted intro">{{_('users.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('users.col.username')}}</th><th>{{_('users.col.role')}}</th><th>{{_('users.col.extension')}}</th>
      <th>{{_('users.col.language')}}</th><th>{{_('users.col.created')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('users.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('users.f.username')}}</span>
      <input name="username" autocomplete="off" required>
      <span class="hint create-only">{{_('users.f.username_hint')}}</span>
      <span class="field-error" data-error-for="username" hidden></span></label>
    <label class="field create-only"><span class="label">{{_('users.f.password')}}</span>
      <input name="password" type="password" autocomplete="new-password">
      <span class="hint">{{_('setup.rules')}}</span>
      <span class="field-error" data-error-for="password" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('users.f.role')}}</span>
        <select name="role">
          <option value="agent">{{_('role.agent')}}</option>
          <option value="supervisor">{{_('role.supervisor')}}</option>
          <option value="admin">{{_('role.admin')}}</option>
          <option value="department">{{_('role.department')}}</option>
        </select>
        <span class="field-error" data-error-for="role" hidden></span></label>
      <label class="field"><span class="label">{{_('users.f.language')}}</span>
        <select name="language"><option value="en">English</option><option value="zh" lang="zh-CN">中文</option></select>
        <span class="field-error" data-error-for="language" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('users.f.extension')}}</span>
      <input name="extension" list="extension-options" inputmode="numeric" autocomplete="off">
      <datalist id="extension-options"></datalist>
      <span class="hint">{{_('users.f.extension_hint')}}</span>
      <span class="field-error" data-error-for="extension" hidden></span></label>
    <label class="field"><span class="label">{{_('users.f.department')}}</span>
      <select name="department" id="department-options"><option value="">—</option></select>
      <span class="hint">{{_('users.f.department_hint')}}</span>
      <span class="field-error" data-error-for="department" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="password-dialog" class="dialog">
  <form class="stack" id="password-form" novalidate>
    <h2 id="password-title"></h2>
    <p class="muted">{{_('users.pw.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('users.pw.new')}}</span>
      <input name="password" type="password" autocomplete="new-password" required>
      <span class="hint">{{_('setup.rules')}}</span>
      <span class="field-error" data-error-for="password" hidden></span></label>
    <label class="field"><span class="label">{{_('setup.confirm')}}</span>
      <input name="confirm" type="password" autocomplete="new-password" required>
      <span class="field-error" data-error-for="confirm" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('users.pw.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
