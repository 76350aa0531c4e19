/* Desk phones: claim a phone by its MAC for an extension with its vendor's template; the
   phones that asked for their file unclaimed, to claim; the address for DHCP option 66. */
(function () {
  "use strict";
  const {t, el, api, toast, pageError, crud} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const VENDORS = {yealink: "Yealink", grandstream: "Grandstream", fanvil: "Fanvil", snom: "Snom", polycom: "Polycom"};
  const colon = (mac) => mac.match(/../g).join(":");
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
  let claiming = null;  // a MAC from the asking list, for the claim dialog

  async function newSecrets(phone) {
    pageError("");
    try {
      await api("POST", `/phones/${phone.mac}/secrets`);
      toast(t("dp.secrets_done", {mac: colon(phone.mac)}));
      page.load();
    } catch (err) {
      pageError(err.message);
    }
  }

  const page = crud({
    path: "/phones",
    key: (p) => p.mac,
    name: (p) => colon(p.mac),
    title: (p) => (p ? t("dp.edit_title", {mac: colon(p.mac)}) : t("dp.add_title")),
    deleteText: (p) => t("dp.delete_text", {mac: colon(p.mac), extension: p.extension}),
    cells: (p) => [
      el("td", {class: "mono"}, colon(p.mac)),
      el("td", {class: "mono"}, p.extension),
      el("td", {}, VENDORS[p.template] || p.template, el("div", {class: "muted small mono"}, p.files.join(", "))),
      el("td", {class: "mono small"}, el("div", {class: "wrap-anywhere"}, p.url),
         el("div", {}, `${t("dp.user")} ${p.username}`), el("div", {}, `${t("dp.password")} ${p.password}`)),
      el("td", {class: "small"}, p.last_fetch ? `${when(p.last_fetch.at)} · ${p.last_fetch.address}` : t("dp.never"))],
    actions: (p) => [el("button", {type: "button", class: "btn btn-small", onclick: () => newSecrets(p)},
                        t("dp.new_secrets"))],
    fill(form, p) {
      const f = form.elements;
      f.mac.value = p ? colon(p.mac) : (claiming || "");
      f.mac.readOnly = !!p;
      f.extension.value = p ? p.extension : "";
      f.template.value = p ? p.template : "yealink";
      f.transport.value = p ? p.transport : "udp";
      f.blf.value = p ? p.blf.join(" ") : "";
      f.park_keys.checked = p ? p.park_keys : true;
      f.firmware_url.value = p && p.firmware_url ? p.firmware_url : "";
      claiming = null;
    },
    body(form, p) {
      const f = form.elements;
      const body = {extension: f.extension.value.trim(), template: f.template.value, transport: f.transport.value,
                    blf: f.blf.value.split(/[\s,;]+/).filter(Boolean), park_keys: f.park_keys.checked,
                    firmware_url: f.firmware_url.value.trim() || null};
      if (!p) body.mac = f.mac.value.trim();
      return body;
    },
    loaded: () => loadAsking(),
  });

  function askingRow(a) {
    return el("tr", {dataset: {mac: a.mac}},
      el("td", {class: "mono"}, colon(a.mac)),
      el("td", {class: "small"}, a.user_agent),
      el("td", {class: "mono"}, a.address),
      el("td", {class: "mono small"}, a.file === "SIP PnP" ? t("dp.by_pnp") : a.file, " ×", a.count),
      el("td", {class: "small"}, when(a.last_seen)),
      el("td", {class: "col-actions"},
        el("button", {type: "button", class: "btn btn-small btn-primary", onclick: () => claim(a)}, t("dp.claim"))));
  }

  function claim(a) {
    claiming = colon(a.mac);
    $("add").click();
    const vendor = Object.keys(VENDORS).find((v) => a.user_agent.toLowerCase().includes(v));
    if (vendor) document.querySelector("#edit-dialog select[name=template]").value = vendor;
  }

  async function loadAsking() {
    try {
      const doc = await api("GET", "/phones/asking");
      $("provision-url").textContent = doc.provision_url;
      $("asking-rows").replaceChildren(...doc.items.map(askingRow));
      $("asking-empty").hidden = doc.items.length > 0;
    } catch (err) {
      pageError(err.message);
    }
  }

  page.load();
})();
