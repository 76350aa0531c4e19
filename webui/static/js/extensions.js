/* Extensions: a server-paged, sorted, searched table with live registration state;
   add one, add a range, import and export CSV, edit, reset the secret, make or remove a
   remote-access tunnel (administrators), delete; the other sites' extensions with their live
   state (their busy lamps). */
(function () {
  "use strict";
  const {t, el, api, live, toast, clearErrors, showError, confirmDialog, csvImport, recentCalls} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const MAX_RANGE = 2000;
  const FORWARDS = ["all", "busy", "no_answer"];
  const state = {page: 1, perPage: 50, q: "", sort: "number", total: 0, items: []};
  let editing = null;

  /* -- the table ------------------------------------------------------------------- */

  function statusCell(reg) {
    const online = !!reg;
    return el("td", {class: "col-status"},
      el("span", {class: "reg", dataset: {state: online ? "on" : "off"}},
        el("span", {class: "dot"}), el("span", {class: "reg-text"}, online ? t("ext.online") : t("ext.offline"))));
  }

  function contactText(reg) {
    if (!reg || !reg.contact) return "";
    return reg.contact.replace(/^sips?:/, "").replace(/;.*$/, "");
  }

  function row(ext) {
    return el("tr", {dataset: {number: ext.number}},
      statusCell(ext.registration),
      el("td", {class: "mono"}, el("button", {type: "button", class: "link", onclick: () => openEdit(ext.number)}, ext.number)),
      el("td", {}, ext.name),
      el("td", {}, ext.voicemail_enabled ? t("common.yes") : t("common.no")),
      el("td", {class: "mono muted contact"}, contactText(ext.registration)),
      el("td", {class: "muted"}, ext.email || ""),
      el("td", {class: "col-actions"},
        el("button", {type: "button", class: "btn btn-small", onclick: () => openEdit(ext.number)}, t("common.edit")),
        el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => remove(ext)}, t("common.delete"))));
  }

  async function load() {
    const query = new URLSearchParams({page: state.page, per_page: state.perPage, sort: state.sort});
    if (state.q) query.set("q", state.q);
    let doc;
    try {
      doc = await api("GET", "/extensions?" + query);
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    if (!doc.items.length && state.page > 1 && doc.total) {  // the last page emptied under us
      state.page = Math.ceil(doc.total / state.perPage);
      return load();
    }
    state.items = doc.items;
    state.total = doc.total;
    $("ext-rows").replaceChildren(...doc.items.map(row));
    const first = doc.total ? (state.page - 1) * state.perPage + 1 : 0;
    const last = (state.page - 1) * state.perPage + doc.items.length;
    const pages = Math.max(1, Math.ceil(doc.total / state.perPage));
    $("summary").textContent = t("ext.showing", {first, last, total: doc.total});
    $("page-info").textContent = t("ext.page_of", {page: state.page, pages});
    $("prev").disabled = state.page <= 1;
    $("next").disabled = state.page >= pages;
    $("ext-empty").hidden = doc.items.length > 0;
    $("ext-empty-text").textContent = state.q ? t("ext.none_match", {q: state.q}) : t("ext.none_yet");
    for (const th of document.querySelectorAll("#ext-table th[aria-sort]")) {
      const key = th.querySelector(".sort").dataset.sort;
      th.setAttribute("aria-sort", state.sort === key ? "ascending" : state.sort === "-" + key ? "descending" : "none");
    }
  }

  let searchTimer;
  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.q = e.target.value.trim(); state.page = 1; load(); }, 250);
  });
  for (const button of document.querySelectorAll("#ext-table .sort")) {
    button.addEventListener("click", () => {
      const key = button.dataset.sort;
      state.sort = state.sort === key ? "-" + key : key;
      state.page = 1;
      load();
    });
  }
  $("prev").addEventListener("click", () => { state.page -= 1; load(); });
  $("next").addEventListener("click", () => { state.page += 1; load(); });
  $("per-page").addEventListener("change", (e) => { state.perPage = Number(e.target.value); state.page = 1; load(); });

  /* -- live registration ------------------------------------------------------------ */

  function onRegistration(ev) {
    const tr = document.querySelector(`#ext-rows tr[data-number="${CSS.escape(ev.number)}"]`);
    const reg = ev.registered ? {contact: ev.contact} : null;
    const item = state.items.find((x) => x.number === ev.number);
    if (item) item.registration = reg;
    if (tr) {
      tr.replaceChild(statusCell(reg), tr.firstChild);
      tr.querySelector(".contact").textContent = contactText(reg);
    }
    if (editing && editing.number === ev.number) showRegistration(reg);
  }

  /* -- the other sites' extensions ----------------------------------------------------- */

  // A lamp's colour as on a desk phone's busy lamp key: green idle, red in use, dark offline.
  const LAMP = {idle: "on", in_use: "bad", ringing: "bad", busy: "bad", on_hold: "bad"};

  function lampCell(lamp) {
    const known = lamp || "unknown";
    return el("td", {class: "col-status"},
      el("span", {class: "reg", dataset: {state: LAMP[known] || "off"}},
        el("span", {class: "dot"}), el("span", {class: "reg-text"}, t("ext.lamp." + known))));
  }

  function siteText(item) {
    if (item.site_name) return item.site_name;
    return item.site === 1 ? t("ext.sites.headquarters") : t("ext.sites.site", {n: item.site});
  }

  async function loadSites() {
    let doc;
    try {
      doc = await api("GET", "/sites/extensions");
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    const rows = $("site-ext-rows");
    rows.replaceChildren(...doc.items.map((item) => el("tr", {dataset: {number: item.number}},
      lampCell(item.state), el("td", {class: "mono"}, item.number), el("td", {}, siteText(item)))));
    $("site-ext").hidden = !doc.items.length;
  }

  function onSiteExtension(ev) {
    const tr = document.querySelector(`#site-ext-rows tr[data-number="${CSS.escape(ev.number)}"]`);
    if (tr) tr.replaceChild(lampCell(ev.state), tr.firstChild);
  }

  /* -- add one, edit ----------------------------------------------------------------- */

  const dialog = $("ext-dialog");
  const form = $("ext-form");

  function showRegistration(reg) {
    $("reg-view").textContent = reg ? t("ext.registered_from", {contact: contactText(reg)}) : t("ext.offline");
  }

  /* The permission classes to choose from (what the extension may dial outside the box). */
  async function loadClasses(current) {
    let names = ["international"];
    try { names = (await api("GET", "/permission-classes")).items.map((c) => c.name); } catch (e) { /* keep the default */ }
    if (current && !names.includes(current)) names.push(current);
    form.elements.permission_class.replaceChildren(...names.map((n) => el("option", {value: n}, n)));
    form.elements.permission_class.value = current || "international";
  }

  async function openCreate() {
    editing = null;
    form.reset();
    await loadClasses(null);
    clearErrors(form);
    dialog.classList.remove("editing");
    $("ext-dialog-title").textContent = t("ext.add_title");
    form.elements.number.readOnly = false;
    dialog.showModal();
    form.elements.number.focus();
  }

  async function openEdit(number) {
    let ext;
    try { ext = await api("GET", "/extensions/" + encodeURIComponent(number)); } catch (e) { toast(e.message, "error"); return; }
    editing = ext;
    form.reset();
    clearErrors(form);
    dialog.classList.add("editing");
    $("ext-dialog-title").textContent = t("ext.edit_title", {number: ext.number});
    form.elements.number.value = ext.number;
    form.elements.number.readOnly = true;
    form.elements.name.value = ext.name;
    form.elements.email.value = ext.email || "";
    form.elements.voicemail_enabled.checked = ext.voicemail_enabled;
    form.elements.voicemail_pin.value = ext.voicemail_pin || "";
    form.elements.recording.value = ext.recording;
    form.elements.transport.value = ext.transport;
    form.elements.srtp.value = ext.srtp;
    form.elements.language.value = ext.language || "";
    form.elements.dnd.checked = ext.dnd;
    form.elements.intercom.checked = ext.intercom;
    for (const key of FORWARDS) form.elements["forward." + key].value = ext.forward[key] || "";
    form.elements.pickup_groups.value = ext.pickup_groups.join(", ");
    form.elements["follow_me.enabled"].checked = ext.follow_me.enabled;
    form.querySelectorAll("input[name='follow_me.numbers']").forEach((input, i) => {
      input.value = ext.follow_me.numbers[i] || "";
    });
    form.elements["follow_me.ring"].value = ext.follow_me.ring;
    form.elements["follow_me.confirm"].checked = ext.follow_me.confirm;
    await loadClasses(ext.permission_class);
    $("secret-view").value = ext.secret;
    $("secret-view").type = "password";
    $("secret-show").textContent = t("ext.show");
    showRegistration(ext.registration);
    loadTunnel(ext.number);
    $("recent-rows").replaceChildren();
    $("recent-empty").hidden = true;
    api("GET", "/extensions/" + encodeURIComponent(ext.number) + "/calls?limit=10")
      .then((recent) => recentCalls($("recent-rows"), $("recent-empty"), recent.items), () => {});
    dialog.showModal();
    form.elements.name.focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const f = form.elements;
    const body = {name: f.name.value.trim(), email: f.email.value.trim() || null,
                  voicemail_enabled: f.voicemail_enabled.checked, recording: f.recording.value,
                  transport: f.transport.value, srtp: f.srtp.value,
                  dnd: f.dnd.checked, intercom: f.intercom.checked, forward: {}, language: f.language.value || null};
    for (const key of FORWARDS) body.forward[key] = f["forward." + key].value.trim() || null;
    body.pickup_groups = f.pickup_groups.value.split(/[\s,]+/).filter(Boolean);
    body.follow_me = {enabled: f["follow_me.enabled"].checked, ring: f["follow_me.ring"].value,
                      confirm: f["follow_me.confirm"].checked,
                      numbers: [...form.querySelectorAll("input[name='follow_me.numbers']")]
                        .map((input) => input.value.trim()).filter(Boolean)};
    body.permission_class = f.permission_class.value;
    const pin = f.voicemail_pin.value.trim();
    if (pin && f.voicemail_enabled.checked) body.voicemail_pin = pin;
    try {
      if (editing) {
        await api("PATCH", "/extensions/" + encodeURIComponent(editing.number), body);
        dialog.close();
        toast(t("ext.saved", {number: editing.number}));
      } else {
        body.number = f.number.value.trim();
        if (f.secret.value.trim()) body.secret = f.secret.value.trim();
        const ext = await api("POST", "/extensions", body);
        dialog.close();
        showCreated(ext);
      }
      load();
    } catch (err) {
      showError(form, err);
    }
  });

  $("secret-show").addEventListener("click", () => {
    const view = $("secret-view");
    view.type = view.type === "password" ? "text" : "password";
    $("secret-show").textContent = view.type === "password" ? t("ext.show") : t("ext.hide");
  });

  $("secret-reset").addEventListener("click", async () => {
    const ok = await confirmDialog(t("ext.reset_title", {number: editing.number}), t("ext.reset_text"), t("ext.new_secret"));
    if (!ok) return;
    try {
      const ext = await api("POST", `/extensions/${encodeURIComponent(editing.number)}/secret`);
      editing = ext;
      $("secret-view").value = ext.secret;
      $("secret-view").type = "text";
      $("secret-show").textContent = t("ext.hide");
      toast(t("ext.secret_reset", {number: ext.number}));
    } catch (err) {
      showError(form, err);
    }
  });

  /* -- the remote-access tunnel (administrators only: the page has no such field for others) -- */

  function showTunnel(seat) {
    $("tunnel-make").hidden = !!seat;
    $("tunnel-remove").hidden = !seat;
    if (!seat) { $("tunnel-view").textContent = t("ext.tunnel.none"); return; }
    const args = {address: seat.address, server: seat.sip_server, age: seat.handshake_age};
    $("tunnel-view").textContent = seat.handshake_age === null ? t("ext.tunnel.at", args) : t("ext.tunnel.seen", args);
  }

  async function loadTunnel(number) {
    if (!$("tunnel-view")) return;
    $("tunnel-view").textContent = "";
    try {
      showTunnel(await api("GET", `/extensions/${encodeURIComponent(number)}/tunnel`));
    } catch (err) {
      if (err.status === 404) showTunnel(null); else $("tunnel-view").textContent = err.message;
    }
  }

  if ($("tunnel-make")) {
    $("tunnel-make").addEventListener("click", async () => {
      const number = editing.number;
      try {
        const seat = await api("POST", `/extensions/${encodeURIComponent(number)}/tunnel`);
        showTunnel(seat);
        $("tunnel-title").textContent = t("ext.tunnel.title", {number});
        $("tunnel-config").textContent = seat.config;
        const link = $("tunnel-download");
        if (link.href) URL.revokeObjectURL(link.href);
        link.href = URL.createObjectURL(new Blob([seat.config], {type: "text/plain"}));
        link.download = `callbox-${number}.conf`;
        $("tunnel-dialog").showModal();
      } catch (err) {
        showError(form, err);
      }
    });
    $("tunnel-remove").addEventListener("click", async () => {
      const number = editing.number;
      const ok = await confirmDialog(t("ext.tunnel.remove_title", {number}), t("ext.tunnel.remove_text"),
                                     t("ext.tunnel.remove"));
      if (!ok) return;
      try {
        await api("DELETE", `/extensions/${encodeURIComponent(number)}/tunnel`);
        showTunnel(null);
        toast(t("ext.tunnel.removed", {number}));
      } catch (err) {
        showError(form, err);
      }
    });
    // The file holds the peer's private key: it leaves the page with the dialog.
    $("tunnel-dialog").addEventListener("close", () => {
      $("tunnel-config").textContent = "";
      const link = $("tunnel-download");
      if (link.href) URL.revokeObjectURL(link.href);
      link.removeAttribute("href");
    });
  }

  function showCreated(ext) {
    const kv = $("created-kv");
    kv.replaceChildren(
      el("dt", {}, t("ext.number")), el("dd", {class: "mono"}, ext.number),
      el("dt", {}, t("ext.name")), el("dd", {}, ext.name),
      el("dt", {}, t("ext.secret")), el("dd", {class: "mono"}, ext.secret),
      el("dt", {}, t("ext.pin")), el("dd", {class: "mono"}, ext.voicemail_pin || "—"));
    $("created-dialog").showModal();
  }

  async function remove(ext) {
    const ok = await confirmDialog(t("ext.delete_title", {number: ext.number}),
                                   t("ext.delete_text", {number: ext.number, name: ext.name}), t("common.delete"));
    if (!ok) return;
    try {
      await api("DELETE", "/extensions/" + encodeURIComponent(ext.number));
      toast(t("ext.deleted", {number: ext.number}));
      load();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  /* -- a range ------------------------------------------------------------------------- */

  const rangeDialog = $("range-dialog");
  const rangeForm = $("range-form");

  function trivialPin(pin) {
    const steps = new Set();
    for (let i = 1; i < pin.length; i++) steps.add(pin.charCodeAt(i) - pin.charCodeAt(i - 1));
    return new Set(pin).size === 1 || (steps.size === 1 && (steps.has(1) || steps.has(-1)));
  }

  function randomPin(length, number) {
    const digits = new Uint8Array(length);
    for (;;) {
      crypto.getRandomValues(digits);
      const pin = Array.from(digits, (d) => String(d % 10)).join("");
      if (!trivialPin(pin) && pin !== number) return pin;
    }
  }

  function rangeBounds() {
    const f = rangeForm.elements;
    const from = f.from.value.trim(), to = f.to.value.trim();
    if (!/^[1-9][0-9]{1,7}$/.test(from)) return {field: "from", message: t("ext.range.bad_number")};
    if (!/^[1-9][0-9]{1,7}$/.test(to)) return {field: "to", message: t("ext.range.bad_number")};
    if (from.length !== to.length || Number(to) < Number(from)) return {field: "to", message: t("ext.range.bad_order")};
    if (Number(to) - Number(from) + 1 > MAX_RANGE) return {field: "to", message: t("ext.range.too_many", {max: MAX_RANGE})};
    return {from: Number(from), to: Number(to), width: from.length};
  }

  function updateRangeCount() {
    const b = rangeBounds();
    $("range-count").textContent = b.field ? "" : t("ext.range.count", {n: b.to - b.from + 1});
  }

  rangeForm.addEventListener("input", updateRangeCount);
  rangeForm.elements.pin_policy.addEventListener("change", (e) => {
    rangeForm.elements.pin_length.disabled = e.target.value !== "length";
  });

  $("add-range").addEventListener("click", () => {
    rangeForm.reset();
    rangeForm.elements.pin_length.disabled = true;
    clearErrors(rangeForm);
    $("range-errors").hidden = true;
    updateRangeCount();
    rangeDialog.showModal();
  });

  rangeForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(rangeForm);
    $("range-errors").hidden = true;
    const f = rangeForm.elements;
    const bounds = rangeBounds();
    if (bounds.field) { showError(rangeForm, bounds); return; }
    const pattern = f.pattern.value.trim();
    if (!pattern) { showError(rangeForm, {field: "pattern", message: t("ext.range.need_pattern")}); return; }
    const length = Number(f.pin_length.value);
    if (f.pin_policy.value === "length" && !(length >= 4 && length <= 12)) {
      showError(rangeForm, {field: "pin_length", message: t("ext.range.bad_length")});
      return;
    }
    const rows = [];
    for (let n = bounds.from; n <= bounds.to; n++) {
      const number = String(n);
      const ext = {number, name: pattern.split("{n}").join(number), voicemail_enabled: f.voicemail_enabled.checked};
      if (f.pin_policy.value === "length" && ext.voicemail_enabled) ext.voicemail_pin = randomPin(length, number);
      rows.push(ext);
    }
    const submit = rangeForm.querySelector('[type="submit"]');
    submit.disabled = true;
    try {
      const doc = await api("POST", "/extensions/bulk", {extensions: rows});
      rangeDialog.close();
      toast(t("ext.range.done", {n: doc.items.length}));
      state.page = 1;
      load();
    } catch (err) {
      const problems = err.doc.errors || [];
      if (!problems.length) { showError(rangeForm, err); return; }
      showError(rangeForm, {message: t("ext.range.failed", {n: problems.length})});
      const list = $("range-errors");
      list.replaceChildren(...problems.slice(0, 20).map((p) =>
        el("li", {}, el("span", {class: "mono"}, rows[p.index].number), " — ", p.error)));
      if (problems.length > 20) list.append(el("li", {class: "muted"}, t("ext.range.more", {n: problems.length - 20})));
      list.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  csvImport("/extensions/import", "ext.imp.summary", load);
  $("add-one").addEventListener("click", openCreate);
  live({registration: onRegistration, site_extension: onSiteExtension, lost: () => { load(); loadSites(); }});
  load();
  loadSites();
})();
