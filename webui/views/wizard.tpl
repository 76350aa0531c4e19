% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions">
    <button class="btn btn-danger-ghost" type="button" id="start-again">{{_('wiz.start_again')}}</button>
    <a class="btn btn-ghost" href="/" id="later">{{_('wiz.later')}}</a>
  </div>
</div>
<div class="wizard">
  <div class="steps" aria-label="{{_('setup.progress')}}">
    <span class="step-count" id="step-count"></span>
    <ol class="step-dots" id="step-dots">
    % for i in range(1, steps + 1):
      <li></li>
    % end
    </ol>
  </div>
  <div class="alert" id="again" hidden>{{_('wiz.again')}}</div>

  <section class="card wizard-step" data-step="role" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.role.title')}}</h2>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="option-card"><input type="radio" name="role" value="headquarters" checked>
        <span><strong>{{_('wiz.role.headquarters')}}</strong><span class="muted">{{_('wiz.role.headquarters_text')}}</span></span></label>
      <label class="option-card"><input type="radio" name="role" value="branch">
        <span><strong>{{_('wiz.role.branch')}}</strong><span class="muted">{{_('wiz.role.branch_text')}}</span></span></label>
      <p class="hint">{{_('wiz.role.branch_enrol')}} <a href="/sites">{{_('nav.sites')}}</a></p>
      <span class="field-error" data-error-for="role" hidden></span>
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="network" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.network.title')}}</h2>
      <div class="alert alert-warn" id="unmanaged" hidden>{{_('wiz.network.unmanaged')}}</div>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="field"><span class="label">{{_('wiz.network.hostname')}}</span>
        <input name="hostname" autocomplete="off" class="mono" value="callbox">
        <span class="field-error" data-error-for="hostname" hidden></span></label>
      <label class="field"><span class="label">{{_('wiz.network.interface')}}</span>
        <select name="interface" id="interfaces"></select>
        <span class="hint" id="interfaces-none" hidden>{{_('wiz.network.no_interfaces')}}</span>
        <span class="field-error" data-error-for="interface" hidden></span></label>
      <fieldset class="choice">
        <label class="check"><input type="radio" name="mode" value="dhcp" checked> {{_('wiz.network.dhcp')}}</label>
        <label class="check"><input type="radio" name="mode" value="static"> {{_('wiz.network.static')}}</label>
      </fieldset>
      <div class="row-2" id="static-fields">
        <label class="field"><span class="label">{{_('wiz.network.address')}}</span>
          <input name="address" autocomplete="off" class="mono" placeholder="192.168.1.10/24">
          <span class="field-error" data-error-for="address" hidden></span></label>
        <label class="field"><span class="label">{{_('wiz.network.gateway')}}</span>
          <input name="gateway" autocomplete="off" class="mono" placeholder="192.168.1.1">
          <span class="field-error" data-error-for="gateway" hidden></span></label>
      </div>
      <label class="field"><span class="label">{{_('wiz.network.dns')}}</span>
        <input name="dns" autocomplete="off" class="mono" placeholder="{{_('wiz.network.dns_hint')}}">
        <span class="field-error" data-error-for="dns" hidden></span></label>
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="time" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.time.title')}}</h2>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="field"><span class="label">{{_('wiz.time.timezone')}}</span>
        <input name="timezone" list="timezones" autocomplete="off" value="UTC">
        <datalist id="timezones"></datalist>
        <span class="field-error" data-error-for="timezone" hidden></span></label>
      <label class="field"><span class="label">{{_('wiz.time.ntp')}}</span>
        <input name="ntp_servers" autocomplete="off" class="mono" value="pool.ntp.org">
        <span class="hint">{{_('wiz.time.ntp_hint')}}</span>
        <span class="field-error" data-error-for="ntp_servers" hidden></span></label>
      % include('language_field', inherit=False)
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="trunk" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.trunk.title')}}</h2>
      <p class="muted">{{_('wiz.trunk.intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="check"><input type="checkbox" name="skip"> {{_('wiz.trunk.skip')}}</label>
      <div class="stack" id="trunk-fields">
        <div class="row-2">
          <label class="field"><span class="label">{{_('trunk.f.name')}}</span>
            <input name="name" autocomplete="off" maxlength="40">
            <span class="field-error" data-error-for="name" hidden></span></label>
          <label class="field"><span class="label">{{_('wiz.trunk.outside_prefix')}}</span>
            <input name="outside_prefix" autocomplete="off" class="mono" maxlength="2" placeholder="0">
            <span class="hint">{{_('wiz.trunk.outside_prefix_hint')}}</span>
            <span class="field-error" data-error-for="outside_prefix" hidden></span></label>
        </div>
        <div class="row-2">
          <label class="field"><span class="label">{{_('trunk.f.host')}}</span>
            <input name="host" autocomplete="off" class="mono">
            <span class="field-error" data-error-for="host" hidden></span></label>
          <label class="field"><span class="label">{{_('trunk.f.port')}}</span>
            <input name="port" type="number" min="1" max="65535" value="5060">
            <span class="field-error" data-error-for="port" hidden></span></label>
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
        <label class="field"><span class="label">{{_('trunk.f.caller_id')}}</span>
          <input name="caller_id" autocomplete="off" class="mono">
          <span class="field-error" data-error-for="caller_id" hidden></span></label>
      </div>
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="extensions" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.ext.title')}}</h2>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <fieldset class="choice">
        <label class="check"><input type="radio" name="source" value="range" checked> {{_('wiz.ext.by_range')}}</label>
        <label class="check"><input type="radio" name="source" value="csv"> {{_('wiz.ext.by_csv')}}</label>
      </fieldset>
      <div class="stack" id="range-fields">
        <div class="row-2">
          <label class="field"><span class="label">{{_('ext.range.from')}}</span>
            <input name="first" inputmode="numeric" autocomplete="off" value="8001">
            <span class="field-error" data-error-for="first" hidden></span></label>
          <label class="field"><span class="label">{{_('ext.range.to')}}</span>
            <input name="last" inputmode="numeric" autocomplete="off" value="8020">
            <span class="field-error" data-error-for="last" hidden></span></label>
        </div>
        <div class="row-2">
          <label class="field"><span class="label">{{_('ext.range.pattern')}}</span>
            <input name="name_pattern" autocomplete="off" value="{{_('ext.range.pattern_default')}}">
            <span class="hint">{{_('ext.range.pattern_hint')}}</span>
            <span class="field-error" data-error-for="name_pattern" hidden></span></label>
          <label class="field"><span class="label">{{_('ext.range.pin_digits')}}</span>
            <input name="pin_length" type="number" min="4" max="8" value="6">
            <span class="field-error" data-error-for="pin_length" hidden></span></label>
        </div>
      </div>
      <div class="stack" id="csv-fields" hidden>
        <code class="sample">number,name,email,voicemail_pin,voicemail_enabled,secret</code>
        <label class="field"><span class="label">{{_('ext.imp.file')}}</span>
          <input name="file" type="file" accept=".csv,text/csv">
          <span class="hint" id="csv-loaded" hidden></span>
          <span class="field-error" data-error-for="csv" hidden></span></label>
      </div>
      <ul class="row-errors" id="ext-errors" hidden></ul>
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="inbound" hidden>
    <form class="stack" novalidate>
      <h2>{{_('wiz.in.title')}}</h2>
      <p class="muted">{{_('wiz.in.intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <fieldset class="choice">
        <label class="check"><input type="radio" name="kind" value="extension" checked> {{_('wiz.in.extension')}}</label>
        <label class="check"><input type="radio" name="kind" value="ring_group"> {{_('wiz.in.ring_group')}}</label>
        <label class="check"><input type="radio" name="kind" value="ivr"> {{_('wiz.in.ivr')}}</label>
      </fieldset>
      <datalist id="planned"></datalist>
      <label class="field" data-kind="extension"><span class="label">{{_('wiz.in.which')}}</span>
        <input name="extension" list="planned" inputmode="numeric" autocomplete="off">
        <span class="field-error" data-error-for="extension" hidden></span></label>
      <label class="field" data-kind="ring_group ivr"><span class="label">{{_('wiz.in.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" placeholder="{{_('wiz.in.number_auto')}}">
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field" data-kind="ring_group"><span class="label">{{_('wiz.in.members')}}</span>
        <input name="members" autocomplete="off" class="mono" placeholder="8001, 8002, 8003">
        <span class="hint">{{_('wiz.in.members_hint')}}</span>
        <span class="field-error" data-error-for="members" hidden></span></label>
      <div class="field" data-kind="ivr"><span class="label">{{_('wiz.in.keys')}}</span>
        <table class="table compact">
          <thead><tr><th>{{_('ivr.col.key')}}</th><th>{{_('wiz.in.key_extension')}}</th><th></th></tr></thead>
          <tbody id="menu-keys"></tbody>
        </table>
        <div><button class="btn btn-small" type="button" id="add-menu-key">{{_('ivr.add_key')}}</button></div>
        <span class="field-error" data-error-for="options" hidden></span></div>
      % include('wizard_nav')
    </form>
  </section>

  <section class="card wizard-step" data-step="summary" hidden>
    <div class="stack">
      <h2>{{_('wiz.sum.title')}}</h2>
      <p class="muted">{{_('wiz.sum.intro')}}</p>
      <div class="alert alert-error" id="apply-error" role="alert" hidden></div>
      <dl class="kv" id="summary"></dl>
      <div class="apply-progress" id="apply-box" hidden>
        <progress id="apply-progress" max="100" value="0"></progress>
        <span id="apply-stage" class="muted"></span>
      </div>
      <div class="form-actions">
        <button class="btn" type="button" data-back>{{_('wiz.back')}}</button>
        <span class="spacer"></span>
        <button class="btn btn-primary" type="button" id="apply">{{_('wiz.apply')}}</button>
      </div>
    </div>
  </section>
</div>

% include('confirm')
