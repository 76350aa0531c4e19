% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('net.intro')}}</p>
<div class="alert alert-warn" id="unmanaged" hidden>{{_('net.unmanaged')}}</div>
<div class="alert alert-error" id="apply-error" hidden></div>
<div class="alert alert-warn" id="pending" hidden>
  <span id="pending-text"></span>
  <button class="btn btn-primary btn-small" id="confirm" type="button">{{_('net.confirm')}}</button>
</div>
<div class="alert alert-warn" id="moved" hidden><span id="moved-text"></span> <span id="moved-links"></span></div>

<section class="card table-card">
  <div class="card-head"><h2>{{_('net.links')}}</h2></div>
  <div class="table-wrap">
  <table class="table" id="links">
    <thead><tr>
      <th>{{_('net.col.name')}}</th><th>{{_('net.col.state')}}</th><th>{{_('net.col.mac')}}</th>
      <th>{{_('net.col.addresses')}}</th><th>{{_('net.col.rx')}}</th><th>{{_('net.col.tx')}}</th>
      <th>{{_('net.col.rx_rate')}}</th><th>{{_('net.col.tx_rate')}}</th>
    </tr></thead>
    <tbody id="link-rows"></tbody>
  </table>
  </div>
</section>

<form class="card stack settings-form" id="network-form" novalidate>
  <h2>{{_('net.settings')}}</h2>
  <div class="alert alert-error" data-error-for="" hidden></div>
  <div class="row-2">
    <label class="field"><span class="label">{{_('net.f.hostname')}}</span>
      <input name="hostname" required>
      <span class="field-error" data-error-for="hostname" hidden></span></label>
    <label class="field"><span class="label">{{_('net.f.confirm_seconds')}}</span>
      <input name="confirm_seconds" type="number" min="5" max="600" required>
      <span class="hint">{{_('net.f.confirm_hint')}}</span>
      <span class="field-error" data-error-for="confirm_seconds" hidden></span></label>
  </div>
  <div class="row-2">
    <label class="field"><span class="label">{{_('net.f.dns')}}</span>
      <input name="dns" class="mono" placeholder="192.168.1.1, 9.9.9.9">
      <span class="hint">{{_('net.f.dns_hint')}}</span>
      <span class="field-error" data-error-for="dns" hidden></span></label>
    <label class="field"><span class="label">{{_('net.f.ntp')}}</span>
      <input name="ntp_servers" class="mono" placeholder="cn.pool.ntp.org">
      <span class="hint">{{_('net.f.ntp_hint')}}</span>
      <span class="field-error" data-error-for="ntp_servers" hidden></span></label>
  </div>

  <h3>{{_('net.interfaces')}}</h3>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('net.col.name')}}</th><th>{{_('net.col.mode')}}</th><th>{{_('net.col.addresses')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="interface-rows"></tbody>
  </table>
  </div>
  <span class="field-error" data-error-for="interfaces" hidden></span>
  <div><button class="btn btn-small" id="add-interface" type="button">{{_('net.add_interface')}}</button></div>

  <h3>{{_('net.vlans')}}</h3>
  <p class="muted">{{_('net.vlans_hint')}}</p>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('net.col.name')}}</th><th>{{_('net.col.parent')}}</th><th>{{_('net.col.vlan_id')}}</th>
      <th>{{_('net.col.mode')}}</th><th>{{_('net.col.addresses')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="vlan-rows"></tbody>
  </table>
  </div>
  <span class="field-error" data-error-for="vlans" hidden></span>
  <div><button class="btn btn-small" id="add-vlan" type="button">{{_('net.add_vlan')}}</button></div>

  <h3>{{_('net.routes')}}</h3>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('net.col.destination')}}</th><th>{{_('net.col.gateway')}}</th>
      <th>{{_('net.col.interface')}}</th><th>{{_('net.col.metric')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="route-rows"></tbody>
  </table>
  </div>
  <span class="field-error" data-error-for="routes" hidden></span>
  <div><button class="btn btn-small" id="add-route" type="button">{{_('net.add_route')}}</button></div>

  <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
</form>
