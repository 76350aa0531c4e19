/* Dashboard: the box's health, phones and calls, kept live from /api/v1/events. */
(function () {
  "use strict";
  const {boot, t, el, api, live, duration, bytes, trunkState, applyTrunkEvent} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let health = boot.health || {};
  let trunks = [];

  function setText(id, text) { $(id).textContent = text; }

  function meter(id, textId, percent, detail) {
    const known = typeof percent === "number";
    $(id).value = known ? percent : 0;
    setText(textId, known ? `${percent.toFixed(0)} %${detail ? " · " + detail : ""}` : "—");
  }

  function render() {
    const h = health;
    const status = $("box-status");
    status.dataset.state = h.status || "unknown";
    status.textContent = t("dash.status_" + (h.status || "unknown"));

    const up = h.asterisk === "up";
    $("asterisk-dot").dataset.state = up ? "ok" : "bad";
    setText("asterisk-state", up ? t("dash.up") : t("dash.down"));
    setText("asterisk-uptime", up && h.asterisk_uptime !== undefined && h.asterisk_uptime !== null
      ? t("dash.running_for", {time: duration(h.asterisk_uptime)})
      : (h.asterisk_restarts ? t("dash.restarts", {n: h.asterisk_restarts}) : "—"));

    setText("phones-registered", h.phones_registered ?? "—");

    /* Banned addresses, or a ban engine that cannot act (administrators only). */
    const security = h.security || {};
    const secAlert = $("security-alert");
    if (secAlert) {
      const unenforced = security.error !== undefined;
      secAlert.hidden = !security.banned && !unenforced;
      setText("security-text", unenforced ? t("dash.security_unenforced", {error: security.error})
        : t("dash.security_banned", {n: security.banned || 0}));
    }
    setText("phones-configured", h.phones_configured ?? "—");
    setText("active-calls", h.active_calls ?? "—");

    const config = h.config;
    const state = $("config-state");
    if (!config) {
      state.textContent = "—";
      setText("config-sub", "—");
    } else if (config.last_error) {
      state.dataset.state = "bad";
      state.textContent = t("dash.config_error");
      setText("config-sub", config.last_error);
    } else if (config.pending) {
      state.dataset.state = "warn";
      state.textContent = t("dash.config_pending", {n: config.pending});
      setText("config-sub", t("dash.revision", {n: config.revision}));
    } else {
      state.dataset.state = config.applied ? "ok" : "warn";
      state.textContent = config.applied ? t("dash.config_applied") : t("dash.config_waiting");
      setText("config-sub", t("dash.revision", {n: config.revision}));
    }

    meter("cpu-meter", "cpu-text", h.cpu_percent);
    const mem = h.memory || {};
    meter("mem-meter", "mem-text", mem.percent,
      mem.total ? t("dash.used_of", {used: bytes(mem.total - mem.available), total: bytes(mem.total)}) : "");
    const disk = h.disk || {};
    meter("disk-meter", "disk-text", disk.percent,
      disk.total ? t("dash.free_of", {free: bytes(disk.free), total: bytes(disk.total)}) : "");
    setText("box-uptime", h.uptime !== undefined ? duration(h.uptime) : "—");
    const sys = h.system || {};
    setText("system-version", sys.version ? t("dash.slot_version", {version: sys.version, slot: sys.slot}) : "—");
    setText("other-version", sys.other_version ? t("dash.slot_version", {version: sys.other_version, slot: sys.other_slot}) : "—");

    const problems = $("problems");
    problems.replaceChildren();
    for (const [name, m] of Object.entries(h.managers || {})) {
      if (!m.ok) problems.append(Callbox.el("li", {}, t("dash.manager_failed", {name, error: m.error || ""})));
    }
    problems.hidden = !problems.children.length;
    recordingsAlert((h.callcenter || {}).recordings_stopped);
    const records = (h.reports || {}).call_records || {};
    cdrAlert(records.error, records.waiting);
    storageAlert(h.storage || {});
    spansAlert((h.hardware || {}).span_alarms || {});
    sensorsAlert((h.hardware || {}).sensor_alarms || []);
    /* The last scheduled backup failed (administrators only), until one succeeds; the reason is on
       the System page's backups (health, which answers anyone, does not carry it). */
    const backupAlert = $("backup-alert");
    if (backupAlert) {
      const last = (h.backup || {}).last;
      backupAlert.hidden = !last || last.ok;
      setText("backup-when", last && !last.ok ? new Date(last.at * 1000).toLocaleString() : "");
    }
    const given = (h.mail || {}).given_up || 0;
    $("mail-alert").hidden = !given;
    setText("mail-reason", given ? t("dash.mail_reason", {n: given}) : "");
  }

  /* Call records not stored (the disk is full): the events wait in memory until there is room. */
  function cdrAlert(reason, waiting) {
    $("cdr-alert").hidden = !reason;
    setText("cdr-reason", reason ? t("dash.cdr_reason", {reason, n: waiting || 0}) : "");
  }

  /* Call recording stopped (the disk is nearly full): from health, then from "alert" events. */
  function recordingsAlert(reason) {
    $("recordings-alert").hidden = !reason;
    setText("recordings-reason", reason ? t("dash.recordings_reason", {reason}) : "");
  }

  /* Logs, voicemail or recordings near or over their quota (box settings). */
  const STORES = [["dash.store_logs", "logs"], ["dash.store_voicemail", "voicemail"],
                  ["dash.store_recordings", "recordings"]];
  const STATES = {near: "dash.storage_near", over: "dash.storage_over"};

  function storageAlert(storage) {
    const items = [];
    for (const [label, store] of STORES) {
      const u = storage[store];
      if (!u || !STATES[u.state]) continue;
      items.push(el("li", {dataset: {store, state: u.state}},
        t(STATES[u.state], {store: t(label), used: bytes(u.used), quota: bytes(u.quota), percent: u.percent})));
    }
    $("storage-list").replaceChildren(...items);
    $("storage-alert").hidden = !items.length;
  }

  /* E1/T1 spans in alarm (red, yellow, blue, no signal): from health, then live from span_alarms. */
  function spansAlert(alarms) {
    const items = Object.entries(alarms).filter(([, a]) => a && a.length)
      .map(([span, a]) => el("li", {dataset: {span}}, t("dash.span_alarm", {span, alarms: a.join(" ")})));
    $("spans-list").replaceChildren(...items);
    $("spans-alert").hidden = !items.length;
  }

  /* Board sensors in alarm (too hot, a fan stopped, a sensor not answering): from health, then
     live from sensor_alarms. Only a box whose model declares sensors has them. */
  function sensorsAlert(alarms) {
    const items = alarms.map((a) => el("li", {dataset: {sensor: a.name, level: a.level}},
      t(`dash.sensor_alarm.${a.level}`, {name: a.name, value: a.value === null ? "—" : String(a.value)})));
    $("sensors-list").replaceChildren(...items);
    $("sensors-alert").hidden = !items.length;
  }

  async function refresh() {
    try { health = await api("GET", "/health"); render(); } catch (e) { /* the next tick retries */ }
  }

  /* Trunks (administrators only: the trunks API is theirs), live. */
  function renderTrunks() {
    $("trunk-list").replaceChildren(...trunks.map((x) => el("li", {dataset: {id: x.id}},
      el("span", {class: "trunk-name"}, x.name), el("span", {class: "mono muted"}, x.host), trunkState(x))));
    $("trunks-none").hidden = trunks.length > 0;
  }

  async function loadTrunks() {
    if (!$("trunk-list")) return;
    try { trunks = (await api("GET", "/trunks")).items; renderTrunks(); } catch (e) { /* the next event retries */ }
  }

  render();
  loadTrunks();
  live({
    health: (data) => { health = data; render(); },
    calls: (data) => { health.active_calls = data.active; render(); },
    registration: (ev) => { refresh(); if (String(ev.number).startsWith("trunk-")) loadTrunks(); },
    trunk: (ev) => { if (applyTrunkEvent(trunks, ev)) renderTrunks(); },
    alert: (ev) => {
      if (ev.kind === "call_records") {
        const reports = health.reports || {};
        health.reports = {...reports, call_records: {...(reports.call_records || {}),
                                                      error: ev.active ? ev.message || "?" : null, waiting: ev.waiting}};
        render();
        return;
      }
      if (ev.kind === "mail" || ev.kind === "storage" || ev.kind === "backup") { refresh(); return; }
      if (ev.kind !== "recordings") return;
      health.callcenter = {...health.callcenter,
                           recordings_stopped: ev.active ? ev.message || t("dash.recordings_unknown") : null};
      render();
    },
    sensor_alarms: (ev) => {
      health.hardware = {...(health.hardware || {}), sensor_alarms: ev.sensors};
      sensorsAlert(ev.sensors);
    },
    span_alarms: (ev) => {
      const alarms = Object.fromEntries(ev.spans.map((x) => [String(x.span), x.alarms]));
      health.hardware = {...(health.hardware || {}), span_alarms: alarms};
      spansAlert(alarms);
    },
    lost: () => { refresh(); loadTrunks(); },
  });

  /* Open tickets past their deadline, by the box's clock (the API judges). */
  async function loadTickets() {
    try { setText("tickets-overdue", String((await api("GET", "/tickets?overdue=1&per_page=1")).total)); } catch (e) { /* next tick */ }
  }
  loadTickets();
  setInterval(loadTickets, 60000);
})();
