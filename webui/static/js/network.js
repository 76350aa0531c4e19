/* Network: the links with their state and traffic (polled: bytes and the rate since the last look),
   and the settings: host name, DNS, time servers, interfaces, VLANs, routes. A change of addresses,
   VLANs or routes is pending until confirmed here; the banner counts down to the box going back. */
(function () {
  "use strict";
  const {t, el, api, live, toast, clearErrors, showError, pageError, splitList, joinList, bytes} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const form = $("network-form");
  const f = form.elements;
  const POLL_MS = 2000;
  let previous = {};  // link name -> {rx, tx, at}
  let deadline = null;
  let countdown = null;

  const input = (name, value, attrs) => el("input", {name, value: value == null ? "" : String(value), ...attrs});
  const select = (name, values, chosen, label) => {
    const box = el("select", {name}, ...values.map((v) => el("option", {value: v}, label(v))));
    box.value = chosen;
    return box;
  };
  const remove = () => el("td", {class: "col-actions"}, el("button", {type: "button", class: "btn btn-small",
    onclick: (e) => e.target.closest("tr").remove()}, t("net.remove")));
  const modeSelect = (mode) => select("mode", ["static", "dhcp"], mode || "static", (m) => t(`net.mode.${m}`));

  function interfaceRow(x) {
    return el("tr", {}, el("td", {}, input("name", x.name, {class: "mono", size: 10})), el("td", {}, modeSelect(x.mode)),
      el("td", {}, input("addresses", joinList(x.addresses), {class: "mono", placeholder: "192.168.1.10/24"})), remove());
  }

  function vlanRow(x) {
    return el("tr", {}, el("td", {}, input("name", x.name, {class: "mono", size: 10})),
      el("td", {}, input("parent", x.parent, {class: "mono", size: 8})),
      el("td", {}, input("id", x.id, {type: "number", min: 1, max: 4094})), el("td", {}, modeSelect(x.mode)),
      el("td", {}, input("addresses", joinList(x.addresses), {class: "mono"})), remove());
  }

  function routeRow(x) {
    return el("tr", {}, el("td", {}, input("destination", x.destination, {class: "mono", placeholder: "10.20.0.0/16"})),
      el("td", {}, input("gateway", x.gateway, {class: "mono"})),
      el("td", {}, input("interface", x.interface, {class: "mono", size: 8})),
      el("td", {}, input("metric", x.metric, {type: "number", min: 0, max: 65535})), remove());
  }

  const field = (row, name) => row.querySelector(`[name=${name}]`).value.trim();
  const rows = (id) => [...$(id).querySelectorAll("tr")];
  const number = (text) => (text === "" ? null : Number(text));

  function collect() {
    return {
      hostname: f.hostname.value.trim(),
      confirm_seconds: Number(f.confirm_seconds.value),
      dns: splitList(f.dns.value),
      ntp_servers: splitList(f.ntp_servers.value),
      interfaces: rows("interface-rows").map((r) => ({name: field(r, "name"), mode: field(r, "mode"),
        addresses: field(r, "mode") === "dhcp" ? [] : splitList(field(r, "addresses"))})),
      vlans: rows("vlan-rows").map((r) => ({name: field(r, "name"), parent: field(r, "parent"),
        id: number(field(r, "id")), mode: field(r, "mode"),
        addresses: field(r, "mode") === "dhcp" ? [] : splitList(field(r, "addresses"))})),
      routes: rows("route-rows").map((r) => ({destination: field(r, "destination"),
        gateway: field(r, "gateway") || null, interface: field(r, "interface") || null,
        metric: number(field(r, "metric"))})),
    };
  }

  function showState(doc) {
    f.hostname.value = doc.hostname;
    f.confirm_seconds.value = doc.confirm_seconds;
    f.dns.value = joinList(doc.dns);
    f.ntp_servers.value = joinList(doc.ntp_servers);
    $("interface-rows").replaceChildren(...doc.interfaces.map(interfaceRow));
    $("vlan-rows").replaceChildren(...doc.vlans.map(vlanRow));
    $("route-rows").replaceChildren(...doc.routes.map(routeRow));
    $("unmanaged").hidden = doc.managed;
    const error = doc.applied && doc.applied.error;
    $("apply-error").hidden = !error;
    $("apply-error").textContent = error ? t("net.apply_error", {error}) : "";
    showPending(doc.pending);
  }

  function showPending(pending) {
    clearInterval(countdown);
    deadline = pending ? Date.now() + pending.seconds_left * 1000 : null;
    $("pending").hidden = !pending;
    if (!pending) return;
    const tick = () => {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      $("pending-text").textContent = t("net.pending", {seconds: left});
      if (left === 0) {
        clearInterval(countdown);
        setTimeout(load, 1500);  // the box has gone back: show what it has now
      }
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  function rate(name, link, now) {
    const before = previous[name];
    previous[name] = {rx: link.rx_bytes, tx: link.tx_bytes, at: now};
    if (!before || now <= before.at) return ["—", "—"];
    const seconds = (now - before.at) / 1000;
    const per = (n) => bytes(Math.max(0, n) / seconds) + "/s";
    return [per(link.rx_bytes - before.rx), per(link.tx_bytes - before.tx)];
  }

  function linkRow(link, now) {
    const [rx, tx] = rate(link.name, link, now);
    const state = link.up ? (link.carrier ? "up" : "no_carrier") : "down";
    const name = link.kind === "vlan" ? `${link.name} (${link.parent}.${link.vlan_id})` : link.name;
    return el("tr", {dataset: {link: link.name}}, el("td", {class: "mono"}, name),
      el("td", {}, el("span", {class: `badge ${link.up ? "badge-ok" : "badge-error"}`}, t(`net.state.${state}`))),
      el("td", {class: "mono"}, link.mac || "—"), el("td", {class: "mono"}, link.addresses.join(" ") || "—"),
      el("td", {class: "mono", dataset: {rx: link.rx_bytes}}, bytes(link.rx_bytes)),
      el("td", {class: "mono"}, bytes(link.tx_bytes)), el("td", {class: "mono"}, rx), el("td", {class: "mono"}, tx));
  }

  async function poll() {
    try {
      const doc = await api("GET", "/network/links");
      const now = Date.now();
      $("link-rows").replaceChildren(...doc.items.map((link) => linkRow(link, now)));
    } catch (err) {
      /* The box may be at another address for a moment: the next look tries again. */
    }
  }

  async function load() {
    pageError("");
    try {
      showState(await api("GET", "/network"));
    } catch (err) {
      pageError(err.message);
    }
  }

  /* The answer to a change of address may never come: offer the addresses the box now has. */
  function lost(body) {
    const port = location.port ? `:${location.port}` : "";
    const addresses = [...body.interfaces, ...body.vlans].flatMap((x) => x.addresses).map((a) => a.split("/")[0]);
    $("moved").hidden = false;
    $("moved-text").textContent = t("net.moved", {seconds: body.confirm_seconds});
    $("moved-links").replaceChildren(...addresses.map((a) => {
      const host = a.includes(":") ? `[${a}]` : a;
      return el("a", {href: `${location.protocol}//${host}${port}/network`, class: "mono"}, host + " ");
    }));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    $("moved").hidden = true;
    const body = collect();
    try {
      const doc = await api("PUT", "/network", body);
      showState(doc);
      toast(doc.pending ? t("net.saved_pending") : t("net.saved"));
    } catch (err) {
      if (err.status === 0) lost(body);
      else showError(form, err);
    }
  });

  $("confirm").addEventListener("click", async () => {
    try {
      showState(await api("POST", "/network/confirm", {}));
      toast(t("net.confirmed"));
    } catch (err) {
      pageError(err.message);
      load();
    }
  });

  $("add-interface").addEventListener("click", () => $("interface-rows").append(interfaceRow({mode: "static"})));
  $("add-vlan").addEventListener("click", () => $("vlan-rows").append(vlanRow({mode: "static"})));
  $("add-route").addEventListener("click", () => $("route-rows").append(routeRow({})));

  live({network: () => load()});
  load();
  poll();
  setInterval(poll, POLL_MS);
})();
