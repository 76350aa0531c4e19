% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('sms.intro')}}</p>
<div class="alert alert-error" data-page-error hidden></div>

<section class="card">
  <form id="send-form" class="stack" novalidate>
    <h2>{{_('sms.send.title')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sms.send.to')}}</span>
      <input name="to" autocomplete="off" maxlength="40" required>
      <span class="field-error" data-error-for="to" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.send.text')}}</span>
      <textarea name="text" rows="3" maxlength="1000" required></textarea>
      <span class="field-error" data-error-for="text" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('sms.send.go')}}</button></div>
  </form>
</section>

<section class="card">
  <form id="broadcast-form" class="stack" novalidate>
    <h2>{{_('sms.bc.title')}}</h2>
    <p class="muted">{{_('sms.bc.hint')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sms.bc.template')}}</span>
      <select name="template"></select>
      <span class="field-error" data-error-for="template" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.bc.q')}}</span>
      <input name="q" autocomplete="off" maxlength="100">
      <span class="field-error" data-error-for="customers" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.bc.level')}}</span>
      <select name="level"></select></label>
    <div><button class="btn btn-primary" type="submit">{{_('sms.bc.go')}}</button></div>
    <p class="muted" id="broadcast-result" hidden></p>
  </form>
</section>

<section class="card table-card">
  <div class="page-head"><h2>{{_('sms.msgs.title')}}</h2>
    <div class="actions"><select id="direction">
      <option value="">{{_('sms.msgs.all')}}</option>
      <option value="out">{{_('sms.dir.out')}}</option>
      <option value="in">{{_('sms.dir.in')}}</option>
    </select></div></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('sms.col.time')}}</th><th>{{_('sms.col.direction')}}</th><th>{{_('sms.col.number')}}</th>
      <th>{{_('sms.col.customer')}}</th><th>{{_('sms.col.text')}}</th><th>{{_('sms.col.state')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="msg-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="msg-empty" hidden><p class="muted">{{_('sms.msgs.none')}}</p></div>
</section>

<section class="card table-card">
  <div class="page-head"><h2>{{_('sms.t.title')}}</h2>
    <div class="actions"><button class="btn" id="t-add" type="button">{{_('sms.t.add')}}</button></div></div>
  <p class="muted">{{_('sms.t.hint')}}</p>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('sms.t.name')}}</th><th>{{_('sms.t.text')}}</th><th>{{_('sms.t.events')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="t-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="t-empty" hidden><p class="muted">{{_('sms.t.none')}}</p></div>
</section>

<dialog id="t-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sms.t.name')}}</span>
      <input name="name" autocomplete="off" maxlength="60" required>
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.t.text')}}</span>
      <textarea name="text" rows="3" maxlength="1000" required></textarea>
      <span class="hint">{{_('sms.t.fields')}}</span>
      <span class="field-error" data-error-for="text" hidden></span></label>
    <fieldset class="field"><legend class="label">{{_('sms.t.events')}}</legend>
      % for ev in ('missed_call', 'voicemail', 'callback', 'ticket_status'):
      <label class="check"><input type="checkbox" name="events" value="{{ev}}"> {{_('sms.ev.' + ev)}}</label>
      % end
      <span class="field-error" data-error-for="events" hidden></span></fieldset>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% if user.role == 'admin':
<section class="card table-card">
  <div class="page-head"><h2>{{_('sms.g.title')}}</h2>
    <div class="actions"><button class="btn" id="g-add" type="button">{{_('sms.g.add')}}</button></div></div>
  <p class="muted">{{_('sms.g.hint')}}</p>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('sms.g.name')}}</th><th>{{_('sms.g.kind')}}</th><th>{{_('sms.g.enabled')}}</th>
      <th>{{_('sms.g.rate')}}</th><th>{{_('sms.g.webhook')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="g-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="g-empty" hidden><p class="muted">{{_('sms.g.none')}}</p></div>
</section>

<dialog id="g-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sms.g.name')}}</span>
      <input name="name" autocomplete="off" maxlength="40" required>
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.g.kind')}}</span>
      <select name="kind"><option value="http">{{_('sms.kind.http')}}</option>
        <option value="modem">{{_('sms.kind.modem')}}</option>
        <option value="smpp">{{_('sms.kind.smpp')}}</option></select></label>
    <label class="check"><input type="checkbox" name="enabled"> {{_('sms.g.enabled')}}</label>
    <label class="field"><span class="label">{{_('sms.g.rate')}}</span>
      <input name="rate" type="number" min="0.1" max="1000" step="0.1">
      <span class="field-error" data-error-for="rate" hidden></span></label>
    <label class="field"><span class="label">{{_('sms.g.attempts')}}</span>
      <input name="attempts" type="number" min="1" max="10">
      <span class="field-error" data-error-for="attempts" hidden></span></label>
    <div class="stack" data-kind="http">
      <label class="field"><span class="label">{{_('sms.g.url')}}</span>
        <input name="url" autocomplete="off" maxlength="1000" placeholder="https://sms.example.com/send?to={to}&amp;text={text}">
        <span class="hint">{{_('sms.g.url_hint')}}</span>
        <span class="field-error" data-error-for="options.url" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.method')}}</span>
        <select name="method"><option>GET</option><option>POST_FORM</option><option>POST_JSON</option></select></label>
      <label class="field"><span class="label">{{_('sms.g.body')}}</span>
        <textarea name="body" rows="3" placeholder='{"mobile": "{to}", "content": "{text}"}'></textarea>
        <span class="hint">{{_('sms.g.body_hint')}}</span>
        <span class="field-error" data-error-for="options.body" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.auth')}}</span>
        <select name="auth"><option value="none">{{_('sms.g.auth_none')}}</option>
          <option value="basic">{{_('sms.g.auth_basic')}}</option></select></label>
      <label class="field"><span class="label">{{_('sms.g.username')}}</span>
        <input name="username" autocomplete="off" maxlength="255">
        <span class="field-error" data-error-for="options.username" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.password')}}</span>
        <input name="password" type="password" autocomplete="new-password" maxlength="255">
        <span class="hint">{{_('sms.g.password_hint')}}</span></label>
      <label class="field"><span class="label">{{_('sms.g.sender')}}</span>
        <input name="sender" autocomplete="off" maxlength="20">
        <span class="field-error" data-error-for="options.sender" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.number_format')}}</span>
        <select name="number_format"><option value="international">8613800138000</option>
          <option value="e164">+8613800138000</option><option value="national">13800138000</option></select></label>
      <label class="field"><span class="label">{{_('sms.g.success_status')}}</span>
        <input name="success_status" type="number" min="100" max="599" placeholder="2xx">
        <span class="field-error" data-error-for="options.success_status" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.success_field')}}</span>
        <input name="success_field" autocomplete="off" placeholder="code">
        <span class="field-error" data-error-for="options.success_field" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.success_value')}}</span>
        <input name="success_value" autocomplete="off" placeholder="OK">
        <span class="field-error" data-error-for="options.success_value" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.id_field')}}</span>
        <input name="id_field" autocomplete="off" placeholder="msgid">
        <span class="hint">{{_('sms.g.id_field_hint')}}</span>
        <span class="field-error" data-error-for="options.id_field" hidden></span></label>
    </div>
    <div class="stack" data-kind="modem">
      <label class="field"><span class="label">{{_('sms.g.device')}}</span>
        <input name="device" autocomplete="off" placeholder="/dev/ttyUSB0">
        <span class="field-error" data-error-for="options.device" hidden></span></label>
      <label class="field"><span class="label">{{_('sms.g.baud')}}</span>
        <select name="baud">
          % for b in (9600, 19200, 38400, 57600, 115200, 230400, 460800):
          <option>{{b}}</option>
          % end
        </select></label>
      <label class="check"><input type="checkbox" name="delivery_reports"> {{_('sms.g.delivery_reports')}}</label>
      <label class="field"><span class="label">{{_('sms.g.timeout')}}</span>
        <input name="timeout" type="number" min="1" max="60">
        <span class="field-error" data-error-for="options.timeout" hidden></span></label>
    </div>
    <div class="stack" data-kind="smpp">
      <div class="row-2">
        <label class="field"><span class="label">{{_('sms.g.smpp_host')}}</span>
          <input name="smpp_host" autocomplete="off" maxlength="255" placeholder="smsc.example.com">
          <span class="field-error" data-error-for="options.host" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.smpp_port')}}</span>
          <input name="smpp_port" type="number" min="1" max="65535" placeholder="2775">
          <span class="field-error" data-error-for="options.port" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.smpp_system_id')}}</span>
          <input name="smpp_system_id" autocomplete="off" maxlength="15">
          <span class="field-error" data-error-for="options.system_id" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.password')}}</span>
          <input name="smpp_password" type="password" autocomplete="new-password" maxlength="8">
          <span class="hint">{{_('sms.g.password_hint')}}</span>
          <span class="field-error" data-error-for="options.password" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.smpp_system_type')}}</span>
          <input name="smpp_system_type" autocomplete="off" maxlength="12">
          <span class="field-error" data-error-for="options.system_type" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.sender')}}</span>
          <input name="smpp_sender" autocomplete="off" maxlength="20">
          <span class="field-error" data-error-for="options.sender" hidden></span></label>
        <label class="field"><span class="label">{{_('sms.g.number_format')}}</span>
          <select name="smpp_number_format"><option value="international">8613800138000</option>
            <option value="national">13800138000</option></select></label>
        <label class="field"><span class="label">{{_('sms.g.smpp_timeout')}}</span>
          <input name="smpp_timeout" type="number" min="1" max="60">
          <span class="field-error" data-error-for="options.timeout" hidden></span></label>
      </div>
      <label class="check"><input type="checkbox" name="smpp_delivery_reports"> {{_('sms.g.delivery_reports')}}</label>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>
% end

% include('confirm')
