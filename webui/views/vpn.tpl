% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('vpn.add')}}</button></div>
</div>
<p class="muted intro">{{_('vpn.intro')}}</p>
<div class="alert alert-error" id="vpn-error" role="alert" hidden></div>
<section class="card">
  <form id="interface-form" class="stack" novalidate>
    <h2>{{_('vpn.interface')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <p><span class="label">{{_('vpn.state')}}</span> <span id="vpn-state" class="status-pill"></span></p>
    <p><span class="label">{{_('vpn.public_key')}}</span> <code id="public-key" class="mono"></code></p>
    <p class="hint">{{_('vpn.public_key_hint')}}</p>
    <label class="field"><span class="label">{{_('vpn.f.address')}}</span>
      <input name="address" autocomplete="off" placeholder="10.99.0.1/24">
      <span class="hint">{{_('vpn.f.address_hint')}}</span>
      <span class="field-error" data-error-for="address" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.public_address')}}</span>
      <input name="public_address" autocomplete="off" placeholder="203.0.113.7">
      <span class="hint">{{_('vpn.f.public_address_hint')}}</span>
      <span class="field-error" data-error-for="public_address" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.listen_port')}}</span>
      <input name="listen_port" type="number" min="1" max="65535" required>
      <span class="field-error" data-error-for="listen_port" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
<section class="card table-card">
  <h2>{{_('vpn.peers')}}</h2>
  <div class="table-wrap">
  <table class="table" id="peers">
    <thead><tr>
      <th>{{_('vpn.col.name')}}</th><th>{{_('vpn.col.key')}}</th><th>{{_('vpn.col.allowed')}}</th>
      <th>{{_('vpn.col.endpoint')}}</th><th>{{_('vpn.col.handshake')}}</th><th>{{_('vpn.col.traffic')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('vpn.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('vpn.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="64">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.public_key')}}</span>
      <input name="public_key" autocomplete="off" required maxlength="44" class="mono">
      <span class="field-error" data-error-for="public_key" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.allowed_ips')}}</span>
      <textarea name="allowed_ips" rows="3" autocomplete="off" required></textarea>
      <span class="hint">{{_('vpn.f.allowed_ips_hint')}}</span>
      <span class="field-error" data-error-for="allowed_ips" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.endpoint')}}</span>
      <input name="endpoint" autocomplete="off" placeholder="203.0.113.7:51820">
      <span class="hint">{{_('vpn.f.endpoint_hint')}}</span>
      <span class="field-error" data-error-for="endpoint" hidden></span></label>
    <label class="field"><span class="label">{{_('vpn.f.keepalive')}}</span>
      <input name="keepalive" type="number" min="0" max="3600">
      <span class="hint">{{_('vpn.f.keepalive_hint')}}</span>
      <span class="field-error" data-error-for="keepalive" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
