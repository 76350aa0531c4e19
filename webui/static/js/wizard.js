/* The setup wizard, after the administrator's password (step 1): role, network, time,
   trunk, extensions, inbound calls, then a summary. Each step is checked by the box and
   kept as a draft when going on; nothing is applied until Apply on the summary, whose
   progress comes over the live "wizard" events. */
(function () {
  "use strict";
  const {boot, t, el, api, live, clearErrors, showError, confirmDialog, splitList, joinList, optional} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const STEPS = ["role", "network", "time", "trunk", "extensions", "inbound", "summary"];
  const FIRST = boot.steps - STEPS.length + 1;  // the password was step 1
  const SAVED_SECRET = "(secret)";  // how the box shows a saved secret
  let saved = {};  // each step's saved answers, as GET /wizard shows them
  let current = 0;
  let csvText = null;
  let applied = false;

  const section = (step) => document.querySelector(`.wizard-step[data-step="${step}"]`);
  const formOf = (step) => section(step).querySelector("form");

  function go(index) {
    current = index;
    STEPS.forEach((step, i) => { section(step).hidden = i !== index; });
    $("step-count").textContent = t("wiz.step", {step: FIRST + index, steps: boot.steps});
    [...$("step-dots").children].forEach((dot, i) => {
      dot.className = i === FIRST + index - 1 ? "on" : i < FIRST + index - 1 ? "done" : "";
    });
    if (STEPS[index] === "inbound") suggestExtensions();
    if (STEPS[index] === "summary") showSummary();
    const first = section(STEPS[index]).querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  }

  for (const button of document.querySelectorAll("[data-back]")) {
    button.hidden = button.closest("[data-step]").dataset.step === STEPS[0];
    button.addEventListener("click", () => go(current - 1));
  }

  /* Show the parts of a form that go with the choice made in it. */
  function toggle(form) {
    const f = form.elements;
    const step = form.closest("[data-step]").dataset.step;
    if (step === "network") $("static-fields").hidden = f.mode.value !== "static";
    if (step === "trunk") $("trunk-fields").hidden = f.skip.checked;
    if (step === "extensions") {
      $("range-fields").hidden = f.source.value !== "range";
      $("csv-fields").hidden = f.source.value !== "csv";
    }
    if (step === "inbound") {
      for (const part of form.querySelectorAll("[data-kind]")) part.hidden = !part.dataset.kind.split(" ").includes(f.kind.value);
    }
  }

  /* -- each step's answers, from the form and back ----------------------------------- */

  const number = (input) => (input.value.trim() ? Number(input.value) : undefined);

  const READ = {
    role: (f) => ({role: f.role.value}),
    network(f) {
      const body = {hostname: f.hostname.value.trim(), interface: f.interface.value || null, mode: f.mode.value,
                    dns: splitList(f.dns.value)};
      if (f.mode.value === "static") Object.assign(body, {address: optional(f.address), gateway: optional(f.gateway)});
      return body;
    },
    time: (f) => ({timezone: f.timezone.value.trim(), ntp_servers: splitList(f.ntp_servers.value),
                   language: f.language.value}),
    trunk(f) {
      if (f.skip.checked) return {skip: true};
      return {name: f.name.value.trim(), host: f.host.value.trim(), port: number(f.port), username: optional(f.username),
              secret: f.secret.value || null, register: f.register.checked, caller_id: optional(f.caller_id),
              outside_prefix: optional(f.outside_prefix)};
    },
    extensions(f) {
      if (f.source.value === "csv") return {csv: csvText || ""};
      return {first: f.first.value.trim(), last: f.last.value.trim(), name_pattern: f.name_pattern.value.trim(),
              pin_length: number(f.pin_length)};
    },
    inbound(f) {
      const kind = f.kind.value;
      if (kind === "extension") return {kind, extension: f.extension.value.trim()};
      const body = {kind};
      if (f.number.value.trim()) body.number = f.number.value.trim();
      if (kind === "ring_group") body.members = splitList(f.members.value);
      else body.options = [...$("menu-keys").querySelectorAll("tr")].map((tr) => ({
        digit: tr.querySelector("[name=digit]").value, extension: tr.querySelector("[name=key_extension]").value.trim()}));
      return body;
    },
  };

  function setValue(input, value) {
    if (!input || value === undefined || value === null) return;
    if (input instanceof RadioNodeList) input.value = value;
    else if (input.type === "checkbox") input.checked = !!value;
    else input.value = Array.isArray(value) ? joinList(value) : value;
  }

  function fill(step, data) {
    const f = formOf(step).elements;
    for (const [key, value] of Object.entries(data)) {
      if (key === "secret" || key === "options" || key === "csv") continue;
      setValue(f[key], value);
    }
    if (step === "trunk" && data.secret === SAVED_SECRET) f.secret.placeholder = t("wiz.trunk.secret_saved");
    if (step === "extensions" && data.csv) { csvText = data.csv; setValue(f.source, "csv"); showCsvLoaded(); }
    if (step === "inbound" && data.options) $("menu-keys").replaceChildren(...data.options.map(menuKey));
  }

  /* -- step by step -------------------------------------------------------------------- */

  for (const step of STEPS.slice(0, -1)) {
    const form = formOf(step);
    form.addEventListener("change", () => toggle(form));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      $("ext-errors").hidden = true;
      const body = READ[step](form.elements);
      if (step === "trunk" && !body.skip && !body.secret && saved.trunk && saved.trunk.secret === SAVED_SECRET) {
        showError(form, {field: "secret", message: t("wiz.trunk.secret_again")});
        return;
      }
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      try {
        const doc = await api("PUT", `/wizard/steps/${step}`, body);
        saved[step] = doc.data;
        go(current + 1);
      } catch (err) {
        showError(form, err);
        if (step === "extensions" && err.doc.errors) showRowErrors(err.doc.errors);
      } finally {
        submit.disabled = false;
      }
    });
  }

  function showRowErrors(problems) {
    const list = $("ext-errors");
    list.replaceChildren(...problems.slice(0, 20).map((p) =>
      el("li", {}, el("span", {class: "mono"}, p.line ? t("wiz.ext.line", {n: p.line}) : p.number), " — ", p.error)));
    if (problems.length > 20) list.append(el("li", {class: "muted"}, t("ext.range.more", {n: problems.length - 20})));
    list.hidden = false;
  }

  /* -- network: the interfaces this box has -------------------------------------------- */

  function showInterfaces(interfaces, managed) {
    const select = $("interfaces");
    select.replaceChildren(el("option", {value: ""}, t("wiz.network.any")), ...interfaces.map((i) =>
      el("option", {value: i.name}, t("wiz.network.iface", {
        name: i.name, addresses: i.addresses.join(", ") || "—", state: t(i.up ? "wiz.network.up" : "wiz.network.down")}))));
    $("interfaces-none").hidden = interfaces.length > 0;
    $("unmanaged").hidden = managed;
  }

  /* -- time zones: the browser knows them; callers hear the installer's language ------- */

  formOf("time").elements.language.value = boot.lang === "zh" ? "zh" : "en";

  if (Intl.supportedValuesOf) {
    $("timezones").replaceChildren(...Intl.supportedValuesOf("timeZone").map((zone) => el("option", {value: zone})));
  }

  /* -- extensions: a CSV file is read here and sent as text ------------------------------ */

  function showCsvLoaded() {
    const rows = csvText ? csvText.trim().split(/\r?\n/).length - 1 : 0;
    $("csv-loaded").textContent = t("wiz.ext.csv_loaded", {n: rows});
    $("csv-loaded").hidden = !csvText;
  }

  formOf("extensions").elements.file.addEventListener("change", async (e) => {
    const file = e.target.files[0];
    csvText = file ? await file.text() : null;
    showCsvLoaded();
  });

  /* -- inbound: the new extensions, and a simple menu of them -------------------------- */

  function planned() {
    const ext = saved.extensions || {};
    if (!ext.first || !ext.last) return [];
    const out = [];
    for (let n = Number(ext.first); n <= Number(ext.last) && out.length < 1000; n++) out.push(String(n).padStart(ext.first.length, "0"));
    return out;
  }

  function menuKey(option) {
    const digit = el("select", {name: "digit", "aria-label": t("ivr.col.key")},
      ..."123456789".split("").map((d) => el("option", {value: d}, d)));
    digit.value = option.digit;
    return el("tr", {},
      el("td", {}, digit),
      el("td", {}, el("input", {name: "key_extension", list: "planned", inputmode: "numeric", value: option.extension || "",
                                "aria-label": t("wiz.in.key_extension")})),
      el("td", {class: "col-actions"}, el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
        onclick: (e) => e.target.closest("tr").remove()}, t("common.delete"))));
  }

  $("add-menu-key").addEventListener("click", () => {
    const used = [...$("menu-keys").querySelectorAll("[name=digit]")].map((s) => s.value);
    $("menu-keys").append(menuKey({digit: "123456789".split("").find((d) => !used.includes(d)) || "9", extension: ""}));
  });

  function suggestExtensions() {
    const numbers = planned();
    $("planned").replaceChildren(...numbers.map((n) => el("option", {value: n})));
    const f = formOf("inbound").elements;
    if (!f.extension.value && numbers.length) f.extension.value = numbers[0];
    if (!f.members.value && numbers.length) f.members.value = joinList(numbers.slice(0, 3));
    if (!$("menu-keys").children.length) {
      $("menu-keys").replaceChildren(...numbers.slice(0, 3).map((n, i) => menuKey({digit: String(i + 1), extension: n})));
    }
  }

  /* -- summary and apply --------------------------------------------------------------- */

  function inboundText(inbound) {
    if (inbound.kind === "extension") return t("wiz.sum.to_extension", {n: inbound.extension});
    if (inbound.kind === "ring_group") return t("wiz.sum.to_group", {members: joinList(inbound.members)});
    return t("wiz.sum.to_menu", {keys: inbound.options.map((o) => `${o.digit} → ${o.extension}`).join(", ")});
  }

  async function showSummary() {
    $("apply-error").hidden = true;
    let s;
    try {
      s = await api("GET", "/wizard/summary");
    } catch (err) {
      $("apply-error").textContent = err.message;
      $("apply-error").hidden = false;
      return;
    }
    const net = s.network;
    const rows = [
      ["wiz.sum.role", t("wiz.role." + s.role)],
      ["wiz.network.hostname", s.hostname],
      ["wiz.sum.network", net.mode === "static" ? t("wiz.sum.static", {address: net.address, gateway: net.gateway || "—"})
                                                 : t("wiz.network.dhcp")],
      ["wiz.time.timezone", s.time.timezone],
      ["wiz.time.ntp", joinList(s.time.ntp_servers) || "—"],
      ["wiz.time.language", s.time.language === "zh" ? "中文 (zh-CN)" : "English"],
      ["wiz.sum.trunk", s.trunk ? `${s.trunk.name} (${s.trunk.host})` : t("wiz.sum.no_trunk")],
      ["wiz.sum.extensions", t("wiz.sum.ext_range", {count: s.extensions.count, first: s.extensions.first, last: s.extensions.last})],
      ["wiz.sum.inbound", inboundText(s.inbound)],
    ];
    $("summary").replaceChildren(...rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
  }

  function progress(ev) {
    $("apply-box").hidden = false;
    $("apply-progress").value = ev.percent;
    $("apply-stage").textContent = t("wiz.stage." + ev.stage);
    if (ev.percent >= 100 && applied) finish();
  }

  let leaving = false;

  function finish() {
    if (leaving) return;
    leaving = true;
    // A moment at 100 % so the installer sees it finished, then the dashboard.
    setTimeout(() => location.assign("/"), 1500);
  }

  $("apply").addEventListener("click", async () => {
    const button = $("apply");
    button.disabled = true;
    $("apply-error").hidden = true;
    $("apply-box").hidden = false;
    try {
      await api("POST", "/wizard/apply");
      applied = true;
      if ($("apply-progress").value >= 100) finish();
      // The answer means it is done; should its last event not come (a lost stream), say so anyway.
      else setTimeout(() => progress({stage: "done", percent: 100}), 5000);
    } catch (err) {
      $("apply-box").hidden = true;
      $("apply-progress").value = 0;
      $("apply-error").textContent = err.message;
      $("apply-error").hidden = false;
      button.disabled = false;
    }
  });

  $("start-again").addEventListener("click", async () => {
    if (!await confirmDialog(t("wiz.again_title"), t("wiz.again_text"), t("wiz.start_again"))) return;
    await api("DELETE", "/wizard");
    location.reload();
  });

  live({wizard: progress});

  (async () => {
    const state = await api("GET", "/wizard");
    for (const step of state.steps) {
      if (step.done) { saved[step.name] = step.data; fill(step.name, step.data); }
    }
    showInterfaces(state.interfaces, state.manages_host);
    for (const step of STEPS.slice(0, -1)) toggle(formOf(step));
    $("again").hidden = !state.wizard_done;
    go(STEPS.indexOf(state.next));
  })();
})();
