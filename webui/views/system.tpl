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

<div class="grid cards-2 top">
  <section class="card" id="certificate">
    <h2>{{_('sys.cert.title')}}</h2>
    <p class="muted">{{_('sys.cert.intro')}}</p>
    <dl class="kv" id="cert-facts"></dl>
  </section>
  <form class="card stack" id="cert-form" novalidate>
    <h2>{{_('sys.cert.upload_title')}}</h2>
    <p class="muted">{{_('sys.cert.upload_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sys.cert.file')}}</span>
      <input name="certificate" type="file" accept=".pem,.crt,.cer,text/plain" required>
      <span class="hint">{{_('sys.cert.file_hint')}}</span>
      <span class="field-error" data-error-for="certificate" hidden></span></label>
    <label class="field"><span class="label">{{_('sys.cert.chain')}}</span>
      <input name="chain" type="file" accept=".pem,.crt,.cer,text/plain">
      <span class="hint">{{_('sys.cert.chain_hint')}}</span>
      <span class="field-error" data-error-for="chain" hidden></span></label>
    <label class="field"><span class="label">{{_('sys.cert.key')}}</span>
      <input name="key" type="file" accept=".pem,.key,text/plain" required>
      <span class="hint">{{_('sys.cert.key_hint')}}</span>
      <span class="field-error" data-error-for="key" hidden></span></label>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('sys.cert.upload')}}</button></div>
  </form>
</div>

<div class="grid cards-2 top">
  <form class="card stack settings-form" id="nat-form" novalidate>
    <h2>{{_('sys.nat.title')}}</h2>
    <p class="muted">{{_('sys.nat.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sys.nat.external')}}</span>
      <input name="sip_external_address" class="mono" placeholder="203.0.113.7" maxlength="45" autocomplete="off">
      <span class="hint">{{_('sys.nat.external_hint')}}</span>
      <span class="field-error" data-error-for="sip_external_address" hidden></span></label>
    <label class="field"><span class="label">{{_('sys.nat.local')}}</span>
      <textarea name="sip_local_networks" class="mono" rows="2" maxlength="1000" placeholder="192.168.1.0/24"></textarea>
      <span class="hint">{{_('sys.nat.local_hint')}}</span>
      <span class="field-error" data-error-for="sip_local_networks" hidden></span></label>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</div>

<div class="grid cards-2 top">
  <form class="card stack settings-form" id="mail-form" novalidate>
    <h2>{{_('mail.title')}}</h2>
    <p class="muted">{{_('mail.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('mail.host')}}</span>
        <input name="host" class="mono" placeholder="smtp.example.com" maxlength="253" autocomplete="off">
        <span class="field-error" data-error-for="host" hidden></span></label>
      <label class="field"><span class="label">{{_('mail.port')}}</span>
        <input name="port" type="number" min="1" max="65535" required>
        <span class="field-error" data-error-for="port" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('mail.security')}}</span>
      <select name="security">
        <option value="starttls">{{_('mail.security_starttls')}}</option>
        <option value="tls">{{_('mail.security_tls')}}</option>
        <option value="none">{{_('mail.security_none')}}</option>
      </select>
      <span class="field-error" data-error-for="security" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('mail.username')}}</span>
        <input name="username" maxlength="255" autocomplete="off">
        <span class="field-error" data-error-for="username" hidden></span></label>
      <label class="field"><span class="label">{{_('mail.password')}}</span>
        <input name="password" type="password" maxlength="255" autocomplete="new-password">
        <span class="hint" id="mail-password-hint"></span>
        <span class="field-error" data-error-for="password" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('mail.from_address')}}</span>
        <input name="from_address" type="email" placeholder="callbox@example.com" maxlength="255" autocomplete="off">
        <span class="field-error" data-error-for="from_address" hidden></span></label>
      <label class="field"><span class="label">{{_('mail.from_name')}}</span>
        <input name="from_name" maxlength="64" autocomplete="off">
        <span class="field-error" data-error-for="from_name" hidden></span></label>
    </div>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
  <div class="stack">
    <form class="card stack" id="mail-test-form" novalidate>
      <h2>{{_('mail.test_title')}}</h2>
      <p class="muted">{{_('mail.test_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="field"><span class="label">{{_('mail.test_to')}}</span>
        <input name="to" type="email" placeholder="you@example.com" maxlength="255" required>
        <span class="field-error" data-error-for="to" hidden></span></label>
      <p id="mail-test-result" role="status" hidden></p>
      <div class="form-actions"><button class="btn" type="submit">{{_('mail.test_send')}}</button></div>
    </form>
    <form class="card stack" id="report-mail-form" novalidate>
      <h2>{{_('mail.reports_title')}}</h2>
      <p class="muted">{{_('mail.reports_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="check"><input type="checkbox" name="daily"> {{_('mail.reports_daily')}}</label>
      <label class="check"><input type="checkbox" name="weekly"> {{_('mail.reports_weekly')}}</label>
      <span class="field-error" data-error-for="daily" hidden></span>
      <label class="field"><span class="label">{{_('mail.reports_to')}}</span>
        <textarea name="recipients" rows="2" maxlength="2000" placeholder="boss@example.com, ops@example.com"></textarea>
        <span class="hint">{{_('mail.reports_to_hint')}}</span>
        <span class="field-error" data-error-for="recipients" hidden></span></label>
      <label class="field"><span class="label">{{_('mail.reports_hour')}}</span>
        <input name="hour" type="number" min="0" max="23" required>
        <span class="field-error" data-error-for="hour" hidden></span></label>
      <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>
    <section class="card table-card">
      <h2>{{_('mail.outbox')}}</h2>
      <div class="table-wrap">
      <table class="table compact">
        <thead><tr><th>{{_('mail.col.subject')}}</th><th>{{_('mail.col.to')}}</th><th>{{_('mail.col.state')}}</th>
          <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
        <tbody id="mail-rows"></tbody>
      </table>
      </div>
      <div class="empty-state compact" id="mail-empty" hidden><p class="muted">{{_('mail.outbox_empty')}}</p></div>
    </section>
  </div>
</div>

<div class="grid cards-2 top" id="backups">
  <form class="card stack" id="backup-form" method="post" action="/api/v1/system/backup" novalidate>
    <h2>{{_('backup.title')}}</h2>
    <p class="muted">{{_('backup.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <input type="hidden" name="csrf_token" id="backup-csrf">
    <div class="row-2">
      <label class="field"><span class="label">{{_('backup.passphrase')}}</span>
        <input name="passphrase" type="password" minlength="8" maxlength="256" autocomplete="new-password" required>
        <span class="hint">{{_('backup.passphrase_hint')}}</span>
        <span class="field-error" data-error-for="passphrase" hidden></span></label>
      <label class="field"><span class="label">{{_('backup.passphrase_again')}}</span>
        <input name="passphrase_again" type="password" maxlength="256" autocomplete="new-password" required>
        <span class="field-error" data-error-for="passphrase_again" hidden></span></label>
    </div>
    <label class="check"><input type="checkbox" name="voicemail" value="1" checked> {{_('backup.voicemail')}}</label>
    <label class="check"><input type="checkbox" name="recordings" value="1"> {{_('backup.recordings')}}</label>
    <label class="check"><input type="checkbox" name="reports" value="1"> {{_('backup.reports')}}</label>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('backup.download')}}</button></div>
  </form>
  <form class="card stack" id="restore-form" novalidate>
    <h2>{{_('restore.title')}}</h2>
    <p class="muted">{{_('restore.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('restore.file')}}</span>
      <input name="file" type="file" accept=".cbk" required>
      <span class="field-error" data-error-for="file" hidden></span></label>
    <label class="field"><span class="label">{{_('backup.passphrase')}}</span>
      <input name="passphrase" type="password" maxlength="256" autocomplete="off" required>
      <span class="field-error" data-error-for="passphrase" hidden></span></label>
    <p id="restore-result" role="status" hidden></p>
    <div class="form-actions"><button class="btn btn-danger-ghost" type="submit">{{_('restore.submit')}}</button></div>
  </form>
</div>

<div class="grid cards-2 top">
  <form class="card stack settings-form" id="schedule-form" novalidate>
    <h2>{{_('schedule.title')}}</h2>
    <p class="muted">{{_('schedule.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('schedule.frequency')}}</span>
        <select name="frequency">
          <option value="off">{{_('schedule.off')}}</option>
          <option value="daily">{{_('schedule.daily')}}</option>
          <option value="weekly">{{_('schedule.weekly')}}</option>
        </select>
        <span class="field-error" data-error-for="frequency" hidden></span></label>
      <label class="field"><span class="label">{{_('schedule.weekday')}}</span>
        <select name="weekday">
          % for n in range(7):
          <option value="{{n}}">{{_('schedule.weekday_' + str(n))}}</option>
          % end
        </select>
        <span class="field-error" data-error-for="weekday" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('schedule.hour')}}</span>
        <input name="hour" type="number" min="0" max="23" required>
        <span class="field-error" data-error-for="hour" hidden></span></label>
      <label class="field"><span class="label">{{_('schedule.keep')}}</span>
        <input name="keep" type="number" min="1" max="100" required>
        <span class="field-error" data-error-for="keep" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('schedule.target')}}</span>
      <select name="target">
        <option value="folder">{{_('schedule.target_folder')}}</option>
        <option value="sftp">{{_('schedule.target_sftp')}}</option>
      </select>
      <span class="field-error" data-error-for="target" hidden></span></label>
    <label class="field" id="schedule-directory"><span class="label">{{_('schedule.directory')}}</span>
      <input name="directory" class="mono" maxlength="200" placeholder="/mnt/usb/callbox" autocomplete="off">
      <span class="hint" id="schedule-folder"></span>
      <span class="field-error" data-error-for="directory" hidden></span></label>
    <fieldset class="stack" id="schedule-sftp" hidden>
      <legend>{{_('schedule.sftp')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('schedule.sftp_host')}}</span>
          <input name="sftp_host" class="mono" maxlength="253" placeholder="backup.example.com" autocomplete="off">
          <span class="field-error" data-error-for="sftp_host" hidden></span></label>
        <label class="field"><span class="label">{{_('schedule.sftp_port')}}</span>
          <input name="sftp_port" type="number" min="1" max="65535">
          <span class="field-error" data-error-for="sftp_port" hidden></span></label>
      </div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('schedule.sftp_user')}}</span>
          <input name="sftp_user" class="mono" maxlength="255" autocomplete="off">
          <span class="field-error" data-error-for="sftp_user" hidden></span></label>
        <label class="field"><span class="label">{{_('schedule.sftp_auth')}}</span>
          <select name="sftp_auth">
            <option value="key">{{_('schedule.sftp_auth_key')}}</option>
            <option value="password">{{_('schedule.sftp_auth_password')}}</option>
          </select>
          <span class="field-error" data-error-for="sftp_auth" hidden></span></label>
      </div>
      <label class="field" id="schedule-sftp-password"><span class="label">{{_('schedule.sftp_password')}}</span>
        <input name="sftp_password" type="password" maxlength="255" autocomplete="new-password">
        <span class="hint" id="schedule-sftp-password-hint"></span>
        <span class="field-error" data-error-for="sftp_password" hidden></span></label>
      <label class="field" id="schedule-sftp-key"><span class="label">{{_('schedule.sftp_public_key')}}</span>
        <textarea name="public_key" class="mono" rows="2" readonly></textarea>
        <span class="hint">{{_('schedule.sftp_public_key_hint')}}</span></label>
      <label class="field"><span class="label">{{_('schedule.sftp_directory')}}</span>
        <input name="sftp_directory" class="mono" maxlength="200" placeholder="backups/callbox" autocomplete="off">
        <span class="hint">{{_('schedule.sftp_directory_hint')}}</span>
        <span class="field-error" data-error-for="sftp_directory" hidden></span></label>
      <div class="field"><span class="label">{{_('schedule.sftp_host_key')}}</span>
        <span class="mono" id="schedule-host-key"></span>
        <span class="hint">{{_('schedule.sftp_host_key_hint')}}</span>
        <span class="field-error" data-error-for="sftp_host_key" hidden></span>
        <div><button class="btn btn-small" type="button" id="schedule-forget-key" hidden>{{_('schedule.sftp_forget_key')}}</button></div></div>
      <div class="form-actions"><button class="btn" type="button" id="schedule-test">{{_('schedule.sftp_test')}}</button></div>
      <p id="schedule-test-result" role="status" hidden></p>
    </fieldset>
    <label class="field"><span class="label">{{_('backup.passphrase')}}</span>
      <input name="passphrase" type="password" maxlength="256" autocomplete="new-password">
      <span class="hint" id="schedule-passphrase-hint"></span>
      <span class="field-error" data-error-for="passphrase" hidden></span></label>
    <label class="check"><input type="checkbox" name="voicemail"> {{_('backup.voicemail')}}</label>
    <label class="check"><input type="checkbox" name="recordings"> {{_('backup.recordings')}}</label>
    <label class="check"><input type="checkbox" name="reports"> {{_('backup.reports')}}</label>
    <div class="form-actions">
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
      <button class="btn" type="button" id="schedule-run">{{_('schedule.run')}}</button>
    </div>
    <div class="alert alert-error" id="schedule-failed" role="alert" hidden></div>
    <p class="muted" id="schedule-last" hidden></p>
    <ul class="mono" id="schedule-files"></ul>
    <p class="muted" id="schedule-none" hidden>{{_('schedule.none')}}</p>
  </form>
</div>

<div class="grid cards-2 top">
  <form class="card stack settings-form" id="storage-form" novalidate>
    <h2>{{_('storage.title')}}</h2>
    <p class="muted">{{_('storage.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <dl class="kv" id="storage-usage"></dl>
    <div class="row-2">
      <label class="field"><span class="label">{{_('storage.log_rotate_mb')}}</span>
        <input name="log_rotate_mb" type="number" min="1" max="1000" required>
        <span class="field-error" data-error-for="log_rotate_mb" hidden></span></label>
      <label class="field"><span class="label">{{_('storage.log_rotate_days')}}</span>
        <input name="log_rotate_days" type="number" min="1" max="365" required>
        <span class="field-error" data-error-for="log_rotate_days" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('storage.log_keep')}}</span>
        <input name="log_keep" type="number" min="1" max="50" required>
        <span class="field-error" data-error-for="log_keep" hidden></span></label>
      <label class="field"><span class="label">{{_('storage.log_quota_mb')}}</span>
        <input name="log_quota_mb" type="number" min="5" max="100000" required>
        <span class="field-error" data-error-for="log_quota_mb" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('storage.voicemail_quota_mb')}}</span>
        <input name="voicemail_quota_mb" type="number" min="10" max="10000000" required>
        <span class="field-error" data-error-for="voicemail_quota_mb" hidden></span></label>
      <label class="field"><span class="label">{{_('storage.recording_quota_mb')}}</span>
        <input name="recording_quota_mb" type="number" min="100" max="10000000" required>
        <span class="field-error" data-error-for="recording_quota_mb" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('storage.alert_email')}}</span>
      <textarea name="alert_email" rows="2" maxlength="2000" placeholder="ops@example.com"></textarea>
      <span class="hint">{{_('storage.alert_email_hint')}}</span>
      <span class="field-error" data-error-for="alert_email" hidden></span></label>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</div>

% include('confirm')
