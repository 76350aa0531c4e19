/* System: the box's health in detail (kept live), restarting telephony, rebooting, the logs. */
(function () {
  "use strict";
  const {t, el, api, live, toast, pageError, confirmDialog, duration, bytes} = window.Callbox;
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

  live({health: render});
  api("GET", "/health").then(render, (err) => pageError(err.message));
})();
