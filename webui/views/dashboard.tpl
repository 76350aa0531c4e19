% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <span class="status-pill" id="box-status" data-state="unknown">{{_('dash.status_unknown')}}</span>
</div>
% if wizard_pending and user.role == 'admin':
<div class="alert wizard-banner" id="wizard-banner">
  <span>{{_('dash.wizard_pending')}}</span>
  <a class="btn btn-primary btn-small" href="/wizard">{{_('dash.wizard_open')}}</a>
</div>
% end
<div class="alert alert-error" id="recordings-alert" role="alert" hidden>
  <strong>{{_('dash.recordings_stopped')}}</strong> <span id="recordings-reason"></span>
</div>
% if user.role == 'admin':
<div class="alert alert-error" id="security-alert" role="alert" hidden>
  <strong id="security-text"></strong> <a href="/security">{{_('dash.security_open')}}</a>
</div>
% end
% if user.role == 'admin':
<div class="alert alert-error" id="backup-alert" role="alert" hidden>
  <strong>{{_('dash.backup_failed')}}</strong> <span id="backup-when"></span> <a href="/system#backups">{{_('dash.backup_open')}}</a>
</div>
% end
<div class="alert alert-error" id="cdr-alert" role="alert" hidden>
  <strong>{{_('dash.cdr_stopped')}}</strong> <span id="cdr-reason"></span>
</div>
<div class="alert alert-error" id="mail-alert" role="alert" hidden>
  <strong>{{_('dash.mail_stopped')}}</strong> <span id="mail-reason"></span>
</div>
<div class="alert alert-error" id="spans-alert" role="alert" hidden>
  <strong>{{_('dash.spans_title')}}</strong>
  <ul id="spans-list"></ul>
</div>
<div class="alert alert-error" id="sensors-alert" role="alert" hidden>
  <strong>{{_('dash.sensors_title')}}</strong>
  <ul id="sensors-list"></ul>
</div>
<div class="alert alert-error" id="storage-alert" role="alert" hidden>
  <strong>{{_('dash.storage_title')}}</strong>
  <ul id="storage-list"></ul>
</div>
<div class="grid cards-4">
  <section class="card metric">
    <h2>{{_('dash.asterisk')}}</h2>
    <div class="metric-value"><span class="dot" id="asterisk-dot"></span><span id="asterisk-state">—</span></div>
    <div class="metric-sub" id="asterisk-uptime">—</div>
  </section>
  <section class="card metric">
    <h2>{{_('dash.phones')}}</h2>
    <div class="metric-value"><span id="phones-registered">—</span><span class="of"> / <span id="phones-configured">—</span></span></div>
    <div class="metric-sub">{{_('dash.phones_sub')}}</div>
  </section>
  <section class="card metric">
    <h2>{{_('dash.calls')}}</h2>
    <div class="metric-value" id="active-calls">—</div>
    <div class="metric-sub">{{_('dash.calls_sub')}}</div>
  </section>
  <section class="card metric">
    <h2>{{_('dash.config')}}</h2>
    <div class="metric-value small-value" id="config-state">—</div>
    <div class="metric-sub" id="config-sub">—</div>
  </section>
</div>
<div class="grid cards-4">
  <section class="card metric" id="tickets-card">
    <h2>{{_('dash.tickets_overdue')}}</h2>
    <div class="metric-value"><a href="/tickets?overdue=1" id="tickets-overdue">—</a></div>
    <div class="metric-sub">{{_('dash.tickets_overdue_sub')}}</div>
  </section>
</div>
<div class="grid cards-2">
  <section class="card">
    <h2>{{_('dash.system')}}</h2>
    <dl class="meters">
      <dt>{{_('dash.cpu')}}</dt>
      <dd><meter id="cpu-meter" min="0" max="100" low="70" high="90" optimum="10" value="0"></meter><span id="cpu-text">—</span></dd>
      <dt>{{_('dash.memory')}}</dt>
      <dd><meter id="mem-meter" min="0" max="100" low="75" high="90" optimum="10" value="0"></meter><span id="mem-text">—</span></dd>
      <dt>{{_('dash.disk')}}</dt>
      <dd><meter id="disk-meter" min="0" max="100" low="80" high="92" optimum="10" value="0"></meter><span id="disk-text">—</span></dd>
      <dt>{{_('dash.uptime')}}</dt>
      <dd><span id="box-uptime">—</span></dd>
      <dt>{{_('dash.firmware')}}</dt>
      <dd><span id="system-version">—</span></dd>
      <dt>{{_('dash.other_slot')}}</dt>
      <dd><span id="other-version">—</span></dd>
    </dl>
    <ul class="problems" id="problems" hidden></ul>
  </section>
  % if user.role == 'admin':
  <section class="card" id="trunks-card">
    <div class="card-head">
      <h2>{{_('dash.trunks')}}</h2>
      <a class="btn btn-small" href="/trunks">{{_('dash.trunks_link')}}</a>
    </div>
    <ul class="trunk-list" id="trunk-list"></ul>
    <p class="muted" id="trunks-none" hidden>{{_('dash.trunks_none')}}</p>
  </section>
  % end
</div>
