/* VPN: the box's WireGuard interface (tunnel address, port, the public key peers need) and its
   peers, each with its latest handshake and traffic, refreshed every few seconds. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError, crud, duration, bytes, splitList} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const form = $("interface-form");
  const REFRESH_MS = 5000;

  function handshake(p) {
    if (p.handshake_age === null) return el("span", {class: "status-pill"}, t("vpn.never"));
    // WireGuard renews a session every 2 minutes while traffic flows: older than 3 is a link down.
    const fresh = p.handshake_age < 180;
    return el("span", {class: "status-pill", dataset: {state: fresh ? "ok" : "degraded"}},
              t("vpn.ago", {age: duration(p.handshake_age)}));
  }

  const page = crud({
    path: "/vpn/peers",
    key: (p) => p.id,
    name: (p) => p.name,
    title: (p) => (p ? t("vpn.edit_title", {name: p.name}) : t("vpn.add_title")),
    deleteText: (p) => t("vpn.delete_text", {name: p.name}),
    cells: (p) => [
      el("td", {}, p.name),
      el("td", {class: "mono", title: p.public_key}, p.public_key.slice(0, 10) + "…"),
      el("td", {class: "mono"}, p.allowed_ips.join(", ")),
      el("td", {class: "mono"}, p.endpoint_seen || p.endpoint || t("vpn.calls_in")),
      el("td", {}, handshake(p)),
      el("td", {class: "mono"}, t("vpn.traffic", {rx: bytes(p.rx_bytes), tx: bytes(p.tx_bytes)}))],
    fill(f, p) {
      const e = f.elements;
      e.name.value = p ? p.name : "";
      e.public_key.value = p ? p.public_key : "";
      e.allowed_ips.value = p ? p.allowed_ips.join("\n") : "";
      e.endpoint.value = p && p.endpoint ? p.endpoint : "";
      e.keepalive.value = p ? p.keepalive : 25;
    },
    body(f) {
      const e = f.elements;
      return {name: e.name.value.trim(), public_key: e.public_key.value.trim(),
              allowed_ips: splitList(e.allowed_ips.value), endpoint: e.endpoint.value.trim() || null,
              keepalive: e.keepalive.value === "" ? 0 : Number(e.keepalive.value)};
    },
  });

  function fill(doc) {
    form.elements.address.value = doc.address || "";
    form.elements.listen_port.value = doc.listen_port;
    form.elements.public_address.value = doc.public_address || "";
    $("public-key").textContent = doc.public_key;
    const state = $("vpn-state");
    state.textContent = t(doc.running ? "vpn.running" : doc.address ? "vpn.not_running" : "vpn.off");
    state.dataset.state = doc.running ? "ok" : doc.address ? "degraded" : "";
    $("vpn-error").hidden = !doc.error;
    $("vpn-error").textContent = doc.error ? t("vpn.error", {error: doc.error}) : "";
  }

  async function loadInterface() {
    try {
      fill(await api("GET", "/vpn"));
    } catch (err) { pageError(err.message); }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const address = form.elements.address.value.trim();
    try {
      fill(await api("PUT", "/vpn", {address: address || null, listen_port: Number(form.elements.listen_port.value),
                                     public_address: form.elements.public_address.value.trim() || null}));
      toast(t("vpn.saved"));
    } catch (err) { showError(form, err); }
  });

  loadInterface();
  page.load();
  setInterval(() => { if (!document.hidden) { page.load(); loadInterface(); } }, REFRESH_MS);
})();
