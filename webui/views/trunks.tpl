% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('trunk.add')}}</button></div>
</div>
<p class="muted intro">{{_('trunk.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th class="col-status">{{_('trunk.col.state')}}</th><th>{{_('trunk.col.name')}}</th>
      <th>{{_('trunk.col.server')}}</th><th>{{_('trunk.col.register')}}</th><th>{{_('trunk.col.caller_id')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('trunk.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('trunk.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="40">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('trunk.f.kind')}}</span>
      <select name="kind"><option value="sip">{{_('trunk.kind.sip')}}</option>
        <option value="dahdi">{{_('trunk.kind.dahdi')}}</option></select>
      <span class="field-error" data-error-for="kind" hidden></span></label>
    <div class="stack" id="sip-fields">
    <div class="row-3">
      <label class="field"><span class="label">{{_('trunk.f.host')}}</span>
        <input name="host" autocomplete="off" class="mono" required>
        <span class="field-error" data-error-for="host" hidden></span></label>
      <label class="field"><span class="label">{{_('trunk.f.port')}}</span>
        <input name="port" type="number" min="1" max="65535">
        <span class="field-error" data-error-for="port" hidden></span></label>
      <label class="field"><span class="label">{{_('trunk.f.transport')}}</span>
        <select name="transport"><option value="udp">UDP</option><option value="tcp">TCP</option></select>
        <span class="field-error" data-error-for="transport" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('trunk.f.username')}}</span>
        <input name="username" autocomplete="off">
        <span class="field-error" data-error-for="username" hidden></span></label>
      <label class="field"><span class="label">{{_('trunk.f.secret')}}</span>
        <input name="secret" type="password" autocomplete="new-password">
        <span class="field-error" data-error-for="secret" hidden></span></label>
    </div>
    <label class="check"><input type="checkbox" name="register"> {{_('trunk.f.register')}}</label>
    <span class="field-error" data-error-for="register" hidden></span>
    <div class="row-3">
      <label class="field"><span class="label">{{_('trunk.f.caller_id')}}</span>
        <input name="caller_id" autocomplete="off" class="mono">
        <span class="field-error" data-error-for="caller_id" hidden></span></label>
      <label class="field"><span class="label">{{_('trunk.f.from_domain')}}</span>
        <input name="from_domain" autocomplete="off" class="mono">
        <span class="field-error" data-error-for="from_domain" hidden></span></label>
      <label class="field"><span class="label">{{_('trunk.f.max_channels')}}</span>
        <input name="max_channels" type="number" min="1" max="960" placeholder="{{_('trunk.f.no_limit')}}">
        <span class="field-error" data-error-for="max_channels" hidden></span></label>
    </div>
    </div>
% include('language_field')
    <label class="check"><input type="checkbox" name="enabled"> {{_('trunk.f.enabled')}}</label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
