% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <span class="status-pill" id="box-status" data-state="unknown">{{_('dash.status_unknown')}}</span>
</div>
<div class="grid cards-2">
  <section class="card">
    <h2>{{_('sys.telephony')}}</h2>
    <dl class="kv" id="telephony"></dl>
    <div class="card-actions">
      <button class="btn" type="button" id="restart">{{_('sys.restart')}}</button>
    </div>
  </section>
  <section class="card">
    <h2>{{_('sys.box')}}</h2>
    <dl class="kv" id="box"></dl>
  </section>
  <section class="card">
    <h2>{{_('sys.services')}}</h2>
    <ul class="services" id="services"></ul>
  </section>
  <section class="card">
    <h2>{{_('sys.maintenance')}}</h2>
    <p class="muted">{{_('sys.logs_intro')}}</p>
    <div class="card-actions">
      <a class="btn" id="logs" href="/api/v1/system/logs" download>{{_('sys.logs')}}</a>
      <button class="btn btn-danger-ghost" type="button" id="reboot">{{_('sys.reboot')}}</button>
    </div>
  </section>
</div>

% include('confirm')
