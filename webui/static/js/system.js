/* System: the box's health in detail (kept live), restarting telephony, rebooting, the logs, backups,
   restoring, log rotation and storage quotas. */
(function () {
  "use strict";
  const {boot, t, el, api, live, toast, pageError, confirmDialog, duration, bytes, clearErrors, showError} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  const percent = (value, detail) => (typeof value === "number" ? `${value.toFixed(0)} %` + (detail ? ` · ${detail}` : "") : "—");

  function pairs(list, entries) {
    $(list).replaceChildren(...entries.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value ?? "—")]));
  }

  function render(h) {
    const status = $("box-status");
    status.dataset.state = h.status || "unknown";
    status.textContent = t("dash.status_" + (h.status || "unknown"));
    const config = h.config || {};
    pairs("telephony", [
      ["sys.asterisk", h.asterisk === "up" ? t("dash.up") : t("dash.down")],
      ["sys.pid", h.asterisk_pid],
      ["sys.running_for", h.asterisk === "up" ? duration(h.asterisk_uptime) : "—"],
      ["sys.restarts", h.asterisk_restarts],
      ["sys.phones", t("sys.phones_of", {registered: h.phones_registered ?? "—", configured: h.phones_configured ?? "—"})],
      ["sys.calls", h.active_calls],
      ["sys.revision", config.revision],
      ["sys.last_error", config.last_error || t("sys.none")],
    ]);
    const mem = h.memory || {}, disk = h.disk || {}, net = h.network || {};
    pairs("box", [
      ["sys.box_id", h.box_id],
      ["dash.uptime", h.uptime !== undefined ? duration(h.uptime) : "—"],
      ["dash.cpu", percent(h.cpu_percent)],
      ["dash.memory", percent(mem.percent, mem.total ? t("dash.used_of", {used: bytes(mem.total - mem.available), total: bytes(mem.total)}) : "")],
      ["dash.disk", percent(disk.percent, disk.total ? t("dash.free_of", {free: bytes(disk.free), total: bytes(disk.total)}) : "")],
      ["sys.supervisor_memory", bytes(h.supervisor_rss)],
      ["sys.network", net.managed === false ? t("sys.network_unmanaged") : (net.error || t("sys.network_managed"))],
    ]);
    $("services").replaceChildren(...Object.entries(h.managers || {}).map(([name, m]) =>
      el("li", {dataset: {state: m.ok ? "ok" : "bad"}}, el("span", {class: "dot", dataset: {state: m.ok ? "ok" : "bad"}}),
         el("span", {class: "mono"}, name), m.ok ? "" : el("span", {class: "field-error"}, m.error || ""))));
    renderUsage(h.storage);
  }

  async function act(button, title, text, path, done) {
    pageError("");
    if (!await confirmDialog(title, text, button.textContent)) return;
    button.disabled = true;
    try {
      await api("POST", path);
      toast(done);
    } catch (err) {
      pageError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  $("restart").addEventListener("click", (e) => act(e.currentTarget, t("sys.restart_title"), t("sys.restart_text"),
                                                    "/system/restart-telephony", t("sys.restarting")));
  $("reboot").addEventListener("click", (e) => act(e.currentTarget, t("sys.reboot_title"), t("sys.reboot_text"),
                                                   "/system/reboot", t("sys.rebooting")));

  /* Outgoing mail: the relay (the password is write-only), a test message that shows the
     relay's own answer, and the outbox with a retry for given-up messages. */
  const mailForm = $("mail-form");
  const mailInputs = [...mailForm.querySelectorAll("input[name], select[name]")];

  function fillMail(doc) {
    for (const input of mailInputs) input.value = input.name === "password" ? "" : (doc[input.name] ?? "");
    $("mail-password-hint").textContent = doc.password_set ? t("sys.mail_password_set") : "";
  }

  mailForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(mailForm);
    const body = {};
    for (const input of mailInputs) {
      if (input.name === "password" && !input.value) continue;  // empty: keep the stored one
      const value = input.name === "password" ? input.value : input.value.trim();
      // An emptied relay host or sender is "none" (null), not a malformed name.
      body[input.name] = input.type === "number" ? Number(value) : (value === "" && input.name !== "username" ? null : value);
    }
    try {
      fillMail(await api("PUT", "/system/mail", body));
      toast(t("sys.mail_saved"));
    } catch (err) {
      showError(mailForm, err);
    }
  });

  const testForm = $("mail-test-form");
  testForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(testForm);
    const result = $("mail-test-result"), button = testForm.querySelector("button");
    result.hidden = true;
    button.disabled = true;
    try {
      const r = await api("POST", "/system/mail/test", {to: testForm.elements.to.value.trim()});
      result.className = r.sent ? "alert alert-ok" : "alert alert-error";
      result.textContent = r.sent ? t("sys.mail_test_sent", {answer: r.answer}) : t("sys.mail_test_failed", {error: r.error});
      result.hidden = false;
      loadOutbox();
    } catch (err) {
      showError(testForm, err);
    } finally {
      button.disabled = false;
    }
  });

  async function loadOutbox() {
    let doc;
    try { doc = await api("GET", "/system/mail/outbox"); } catch (err) { return; }
    $("mail-rows").replaceChildren(...doc.items.slice(0, 10).map((m) => el("tr", {dataset: {id: m.id}},
      el("td", {}, m.subject), el("td", {class: "mono"}, m.to.join(", ")),
      el("td", {title: m.last_error || ""}, t("sys.mail_state_" + m.state) + (m.last_error && m.state !== "sent" ? ` · ${m.last_error}` : "")),
      el("td", {class: "col-actions"}, m.state === "failed" ? el("button", {class: "btn btn-small", type: "button",
        onclick: async () => { try { await api("POST", `/system/mail/outbox/${m.id}/retry`); loadOutbox(); } catch (err) { pageError(err.message); } }},
        t("sys.mail_retry")) : ""))));
    $("mail-empty").hidden = doc.items.length > 0;
  }

  /* Scheduled report e-mail: recipients are typed separated by commas, spaces or lines. */
  const reportForm = $("report-mail-form");
  function fillReports(doc) {
    reportForm.elements.daily.checked = doc.daily;
    reportForm.elements.weekly.checked = doc.weekly;
    reportForm.elements.recipients.value = doc.recipients.join(", ");
    reportForm.elements.hour.value = doc.hour;
  }
  reportForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(reportForm);
    const f = reportForm.elements;
    try {
      fillReports(await api("PUT", "/system/mail/reports", {
        daily: f.daily.checked, weekly: f.weekly.checked, hour: Number(f.hour.value),
        recipients: f.recipients.value.split(/[\s,;]+/).filter(Boolean)}));
      toast(t("sys.mail_saved"));
    } catch (err) {
      showError(reportForm, err);
    }
  });
  api("GET", "/system/mail/reports").then(fillReports, (err) => pageError(err.message));

  api("GET", "/system/mail").then(fillMail, (err) => pageError(err.message));
  loadOutbox();

  /* The certificate the box serves over HTTPS and SIP TLS: its fingerprint is what a
     browser's certificate warning, a phone or a branch box can be checked against. */
  function fillCertificate(c) {
    pairs("cert-facts", [
      ["sys.cert.fingerprint", el("code", {class: "mono", id: "cert-fingerprint"}, c.fingerprint)],
      ["sys.cert.subject", c.subject],
      ["sys.cert.issuer", c.self_signed ? t("sys.cert.self_signed") : c.issuer],
      ["sys.cert.names", [...c.names, ...c.addresses].join(", ")],
      ["sys.cert.valid", t("sys.cert.valid_range", {from: c.not_before.slice(0, 10), to: c.not_after.slice(0, 10)})],
    ]);
  }
  api("GET", "/system/certificate").then(fillCertificate, (err) => pageError(err.message));

  /* NAT on the SIP transports: the public address and the box's own networks (box settings). */
  const natForm = $("nat-form");
  function fillNat(s) {
    natForm.elements.sip_external_address.value = s.sip_external_address;
    natForm.elements.sip_local_networks.value = s.sip_local_networks.join(", ");
  }
  natForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(natForm);
    const f = natForm.elements;
    try {
      fillNat(await api("PATCH", "/settings", {sip_external_address: f.sip_external_address.value.trim(),
        sip_local_networks: f.sip_local_networks.value.split(/[\s,;]+/).filter(Boolean)}));
      toast(t("sys.nat.saved"));
    } catch (err) {
      showError(natForm, err);
    }
  });
  api("GET", "/settings").then(fillNat, (err) => pageError(err.message));

  /* The owner's certificate: the box checks it and says which file is wrong; once taken, it
     is served to every new connection at once (this page's own connection included). */
  const certForm = $("cert-form");
  certForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(certForm);
    const body = {};
    for (const name of ["certificate", "chain", "key"]) {
      const file = certForm.elements[name].files[0];
      if (file) body[name] = await file.text();
    }
    const button = certForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      fillCertificate(await api("PUT", "/system/certificate", body));
      certForm.reset();
      toast(t("sys.cert.uploaded"));
    } catch (err) {
      showError(certForm, err);
    } finally {
      button.disabled = false;
    }
  });

  /* Backups: the download is a plain form post, so the browser saves the archive as it streams
     (never held in the page); what the box would refuse is checked here first. */
  const backupForm = $("backup-form");
  $("backup-csrf").value = boot.csrf;
  backupForm.addEventListener("submit", (e) => {
    clearErrors(backupForm);
    const f = backupForm.elements;
    const problem = f.passphrase.value.length < 8 ? ["passphrase", t("sys.backup_short")]
      : f.passphrase.value !== f.passphrase_again.value ? ["passphrase_again", t("sys.backup_mismatch")] : null;
    if (problem) {
      e.preventDefault();
      showError(backupForm, {field: problem[0], message: problem[1]});
      return;
    }
    toast(t("sys.backup_started"));
  });

  /* Restore: the archive goes up as the request body (streamed, not read into the page), its
     passphrase in a header; the box checks it whole before it changes anything. */
  const restoreForm = $("restore-form");
  restoreForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(restoreForm);
    const f = restoreForm.elements, file = f.file.files[0], button = restoreForm.querySelector("button");
    if (!file) { showError(restoreForm, {field: "file", message: t("sys.restore_no_file")}); return; }
    if (!await confirmDialog(t("sys.restore_title"), t("sys.restore_text", {name: file.name}), button.textContent)) return;
    const result = $("restore-result");
    result.className = "muted";
    result.textContent = t("sys.restore_running");
    result.hidden = false;
    button.disabled = true;
    try {
      const r = await api("POST", "/system/restore", undefined,
                          {raw: file, headers: {"Callbox-Passphrase": encodeURIComponent(f.passphrase.value)}});
      result.className = "alert alert-ok";
      result.textContent = t("sys.restore_done", {made: (r.made || "").replace("T", " ").replace("Z", " UTC")});
      setTimeout(() => location.assign("/login"), 4000);
    } catch (err) {
      result.hidden = true;
      showError(restoreForm, err);
    } finally {
      button.disabled = false;
    }
  });

  /* Scheduled backups: into the box's own folder, a mounted disk or an SFTP server, the newest N
     kept; the passphrase and the SFTP password are write-only, as the mail relay's password. The
     server's host key is pinned by the box on first contact and shown here. */
  const scheduleForm = $("schedule-form");
  const SCHEDULE_NUMBERS = ["hour", "weekday", "keep"], SCHEDULE_CHECKS = ["voicemail", "recordings", "reports"];
  const SFTP_TEXTS = ["sftp_host", "sftp_user", "sftp_directory"];
  function showTarget() {
    const f = scheduleForm.elements;
    const sftp = f.target.value === "sftp";
    $("schedule-sftp").hidden = !sftp;
    $("schedule-directory").hidden = sftp;
    $("schedule-sftp-password").hidden = f.sftp_auth.value !== "password";
    $("schedule-sftp-key").hidden = f.sftp_auth.value !== "key";
  }
  function when(at) {
    return new Date(at * 1000).toLocaleString();
  }
  function fillSchedule(doc) {
    const f = scheduleForm.elements;
    f.frequency.value = doc.frequency;
    for (const name of SCHEDULE_NUMBERS) f[name].value = doc[name];
    for (const name of SCHEDULE_CHECKS) f[name].checked = doc[name];
    f.directory.value = doc.directory;
    f.passphrase.value = "";
    f.target.value = doc.target;
    for (const name of SFTP_TEXTS) f[name].value = doc[name];
    f.sftp_port.value = doc.sftp_port;
    f.sftp_auth.value = doc.sftp_auth;
    f.sftp_password.value = "";
    f.public_key.value = doc.public_key;
    $("schedule-sftp-password-hint").textContent = doc.sftp_password_set ? t("sys.schedule_password_set") : "";
    $("schedule-host-key").textContent = doc.sftp_host_key || t("sys.schedule_host_key_none");
    $("schedule-forget-key").hidden = !doc.sftp_host_key;
    $("schedule-folder").textContent = t("sys.schedule_folder", {folder: doc.folder});
    $("schedule-passphrase-hint").textContent = doc.passphrase_set ? t("sys.schedule_passphrase_set") : "";
    $("schedule-files").replaceChildren(...doc.files.map((x) => el("li", {},
      `${x.name} · ${bytes(x.size)} · ${x.made.replace("T", " ").replace("Z", " UTC")}`)));
    $("schedule-none").hidden = doc.files.length > 0 || doc.target !== "folder";
    $("schedule-files").hidden = doc.target !== "folder";
    const last = doc.last;
    $("schedule-failed").hidden = !last || last.ok;
    $("schedule-failed").textContent = last && !last.ok ? t("sys.schedule_failed", {when: when(last.at), error: last.error}) : "";
    $("schedule-last").hidden = !last || !last.ok;
    $("schedule-last").textContent = last && last.ok ? t("sys.schedule_last", {
      when: when(last.at), file: last.file, size: bytes(last.size),
      target: t(last.target === "sftp" ? "sys.schedule_to_sftp" : "sys.schedule_to_folder")}) : "";
    showTarget();
  }
  async function saveSchedule(extra) {
    const f = scheduleForm.elements;
    const body = {frequency: f.frequency.value, directory: f.directory.value.trim(), target: f.target.value,
                  sftp_auth: f.sftp_auth.value, ...extra};
    for (const name of SCHEDULE_NUMBERS) body[name] = Number(f[name].value);
    for (const name of SCHEDULE_CHECKS) body[name] = f[name].checked;
    if (f.passphrase.value) body.passphrase = f.passphrase.value;  // empty: keep the stored one
    if (body.target === "sftp") {
      for (const name of SFTP_TEXTS) body[name] = f[name].value.trim();
      body.sftp_port = Number(f.sftp_port.value);
      if (f.sftp_password.value) body.sftp_password = f.sftp_password.value;
    }
    fillSchedule(await api("PUT", "/system/backup/schedule", body));
  }
  scheduleForm.elements.target.addEventListener("change", showTarget);
  scheduleForm.elements.sftp_auth.addEventListener("change", showTarget);
  scheduleForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(scheduleForm);
    try {
      await saveSchedule({});
      toast(t("sys.schedule_saved"));
    } catch (err) {
      showError(scheduleForm, err);
    }
  });
  /* Saved first: the box tests what it will use. */
  $("schedule-test").addEventListener("click", async (e) => {
    clearErrors(scheduleForm);
    const button = e.currentTarget, result = $("schedule-test-result");
    result.hidden = true;
    button.disabled = true;
    try {
      await saveSchedule({});
      const r = await api("POST", "/system/backup/sftp/test");
      result.textContent = t(r.pinned_now ? "sys.schedule_test_pinned" : "sys.schedule_test_ok",
                             {key: `${r.host_key_type} ${r.host_key}`, n: r.files.length});
      result.hidden = false;
      fillSchedule(await api("GET", "/system/backup/schedule"));
    } catch (err) {
      showError(scheduleForm, err);
    } finally {
      button.disabled = false;
    }
  });
  $("schedule-forget-key").addEventListener("click", async () => {
    clearErrors(scheduleForm);
    try {
      await saveSchedule({sftp_host_key: ""});
      toast(t("sys.schedule_key_forgotten"));
    } catch (err) {
      showError(scheduleForm, err);
    }
  });
  $("schedule-run").addEventListener("click", async (e) => {
    clearErrors(scheduleForm);
    const button = e.currentTarget;
    button.disabled = true;
    try {
      const r = await api("POST", "/system/backup/schedule/run");
      toast(t("sys.schedule_made", {file: r.file}));
    } catch (err) {
      showError(scheduleForm, err);
    } finally {
      button.disabled = false;
      api("GET", "/system/backup/schedule").then(fillSchedule, () => {});
    }
  });
  api("GET", "/system/backup/schedule").then(fillSchedule, (err) => pageError(err.message));

  /* Storage: log rotation and the quotas the dashboard warns about (box settings), with what
     each store uses now. */
  const storageForm = $("storage-form");
  const STORAGE_FIELDS = ["log_rotate_mb", "log_rotate_days", "log_keep", "log_quota_mb", "voicemail_quota_mb",
                          "recording_quota_mb"];
  function fillStorage(s) {
    for (const name of STORAGE_FIELDS) storageForm.elements[name].value = s[name];
    storageForm.elements.alert_email.value = (s.alert_email || []).join(", ");
  }
  function renderUsage(storage) {
    pairs("storage-usage", [["sys.storage_logs", "logs"], ["sys.storage_voicemail", "voicemail"],
                            ["sys.storage_recordings", "recordings"]].map(([label, store]) => {
      const u = (storage || {})[store];
      return [label, u ? t("sys.storage_used", {used: bytes(u.used), quota: bytes(u.quota), percent: u.percent})
                         + (u.state !== "ok" ? " · " + t("sys.storage_state_" + u.state) : "") : "—"];
    }));
  }
  storageForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(storageForm);
    const body = {alert_email: storageForm.elements.alert_email.value.split(/[\s,;]+/).filter(Boolean)};
    for (const name of STORAGE_FIELDS) body[name] = Number(storageForm.elements[name].value);
    try {
      fillStorage(await api("PATCH", "/settings", body));
      toast(t("sys.storage_saved"));
    } catch (err) {
      showError(storageForm, err);
    }
  });
  api("GET", "/settings").then(fillStorage, (err) => pageError(err.message));

  live({health: render});
  api("GET", "/health").then(render, (err) => pageError(err.message));
})();
