/* IVR: voice menus. A menu plays its greeting, then a key takes the caller on: to an
   extension, a ring group, voicemail, another menu (menus of several levels; a menu may
   loop back to itself) or hang up. The list is /ivr, one menu's editor /ivr?id=N; a key's
   "New submenu…" creates the next level, "Open" goes down into it. Self-service steps
   (enter digits, say, a ticket's status, an HTTP lookup, record a complaint) run in order
   before the keys. */
(function () {
  "use strict";
  const {t, el, api, crud, toast, clearErrors, showError, pageError, optional, describe, destinationPicker,
         loadCatalogue, catalogue} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const DIGITS = "1234567890*#".split("");
  const form = $("ivr-form");
  let prompts = [];
  let menu = null;  // the menu in the editor
  let trail = [];   // the ids of the menus the editor came down through
  let timeoutPicker, invalidPicker, pollTimer;

  const promptName = (id) => (prompts.find((p) => p.id === id) || {}).name || "—";
  const menuName = (id) => (catalogue.ivrs.find((m) => String(m.id) === String(id)) || {}).name || `#${id}`;

  async function loadPrompts() {
    prompts = (await api("GET", "/prompts")).items;
  }

  /* -- the list ---------------------------------------------------------------------- */

  const list = crud({
    path: "/ivrs",
    key: (m) => m.id,
    name: (m) => m.name,
    deleteText: (m) => t("ivr.delete_text", {name: m.name}),
    edit: (m) => (m ? show(m.id, []) : newMenu().then((made) => made && show(made.id, []))),
    cells: (m) => [
      el("td", {}, m.name),
      el("td", {class: "mono"}, m.number || "—"),
      el("td", {}, m.prompt ? promptName(m.prompt) : t("ivr.no_prompt")),
      el("td", {}, m.options.map((o) => `${o.digit} → ${describe(o)}`).join("; ") || "—")],
  });

  async function showList() {
    clearTimeout(pollTimer);
    $("editor").hidden = true;
    $("list-view").hidden = false;
    try {
      await Promise.all([loadCatalogue(), loadPrompts()]);
    } catch (err) {
      pageError(err.message);
    }
    list.load();
  }

  /* -- going between the list and the menus ------------------------------------------ */

  function show(id, via) {
    history.pushState({id: String(id), trail: via}, "", "?id=" + encodeURIComponent(id));
    return openEditor(String(id), via);
  }

  function showAll() {
    history.pushState({}, "", location.pathname);
    showList();
  }

  function route(state) {
    const id = (state && state.id) || new URLSearchParams(location.search).get("id");
    return id ? openEditor(id, (state && state.trail) || []) : showList();
  }

  window.addEventListener("popstate", (e) => route(e.state));

  async function openEditor(id, via) {
    pageError("");
    try {
      await Promise.all([loadCatalogue(), loadPrompts()]);
      menu = await api("GET", "/ivrs/" + encodeURIComponent(id));
    } catch (err) {
      showList();
      pageError(err.message);
      return;
    }
    trail = via.map(String);
    fillEditor();
    $("list-view").hidden = true;
    $("editor").hidden = false;
    form.elements.name.focus();
  }

  function renderTrail() {
    const crumbs = [el("button", {type: "button", class: "link", onclick: showAll}, t("ivr.all_menus"))];
    trail.forEach((id, i) => crumbs.push(" › ",
      el("button", {type: "button", class: "link", onclick: () => show(id, trail.slice(0, i))}, menuName(id))));
    crumbs.push(" › ", el("h1", {}, menu.name));
    $("trail").replaceChildren(...crumbs);
  }

  $("back").addEventListener("click", () => (trail.length ? show(trail[trail.length - 1], trail.slice(0, -1)) : showAll()));

  /* -- the editor --------------------------------------------------------------------- */

  const picker = (name, value) => destinationPicker(name, value, {onNewMenu: submenu});

  async function submenu() {
    const made = await newMenu();
    if (!made) return null;
    await loadCatalogue();
    return String(made.id);
  }

  function keyRow(option) {
    const digit = el("select", {name: "digit", "aria-label": t("ivr.col.key")},
      ...DIGITS.map((d) => el("option", {value: d}, d)));
    digit.value = option.digit;
    const dest = picker("option", option.kind ? option : null);
    const open = el("button", {type: "button", class: "btn btn-small open-menu",
                               onclick: () => openSubmenu(dest.value.target)}, t("ivr.open_menu"));
    const sync = () => {
      const v = dest.value;
      open.hidden = v.kind !== "ivr" || !v.target || v.target === String(menu.id);
    };
    dest.addEventListener("change", sync);
    sync();
    return el("tr", {class: "key-row", dataset: {digit: option.digit}},
      el("td", {}, digit),
      el("td", {}, el("div", {class: "key-dest"}, dest, open)),
      el("td", {class: "col-actions"}, el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
        onclick: (e) => e.target.closest("tr").remove()}, t("common.delete"))));
  }

  $("add-key").addEventListener("click", () => {
    const used = [...$("keys").querySelectorAll("[name=digit]")].map((s) => s.value);
    const digit = DIGITS.find((d) => !used.includes(d)) || DIGITS[0];
    $("keys").append(keyRow({digit, kind: "extension", target: null}));
  });

  /* -- self-service steps ------------------------------------------------------------- */

  const STEP_DEFAULTS = {
    digits: {prompt: null, min_digits: 1, max_digits: 20, timeout: 5},
    say: {say_as: "digits", value: "entered"},
    ticket_status: {},
    http_lookup: {url: "", timeout_ms: 3000, choices: [], fallback: {kind: "hangup", target: null}},
    complaint: {max_seconds: 120, silence_seconds: 5},
  };

  function promptSelect(value, none) {
    const select = el("select", {class: "step-prompt"}, el("option", {value: ""}, none),
      ...prompts.map((p) => el("option", {value: p.id}, p.recorded ? p.name : t("ivr.not_recorded", {name: p.name}))));
    select.value = value ? String(value) : "";
    return select;
  }

  function field(label, control) {
    return el("label", {class: "field"}, el("span", {class: "label"}, t(label)), control);
  }

  function number(value, min, max) {
    return el("input", {type: "number", min, max, value: String(value)});
  }

  function choiceRow(choice) {
    const name = el("input", {class: "choice-name mono", value: choice.name || "", autocomplete: "off",
                              "aria-label": t("ivr.step.choice_name"), placeholder: t("ivr.step.choice_name")});
    const prompt = promptSelect(choice.prompt, "—");
    prompt.setAttribute("aria-label", t("ivr.step.choice_prompt"));
    const row = el("li", {class: "choice-row"}, name, " → ", prompt,
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => row.remove()}, t("common.delete")));
    row.collect = () => ({name: name.value.trim(), prompt: prompt.value ? Number(prompt.value) : null});
    return row;
  }

  /* The form of one step, and a function that reads it back as the API takes it. */
  function stepBody(step) {
    const s = {...STEP_DEFAULTS[step.kind], ...step};
    if (s.kind === "digits") {
      const prompt = promptSelect(s.prompt, t("ivr.step.beep"));
      const min = number(s.min_digits, 1, 20), max = number(s.max_digits, 1, 20), wait = number(s.timeout, 1, 30);
      return [el("div", {class: "row-2"}, field("ivr.step.prompt", prompt),
                 el("div", {class: "row-3"}, field("ivr.step.min_digits", min), field("ivr.step.max_digits", max),
                    field("ivr.step.timeout", wait))),
              () => ({prompt: prompt.value ? Number(prompt.value) : null, min_digits: Number(min.value),
                      max_digits: Number(max.value), timeout: Number(wait.value)})];
    }
    if (s.kind === "say") {
      const as = el("select", {}, ...["digits", "number", "date"].map((k) => el("option", {value: k}, t("ivr.step.as." + k))));
      as.value = s.say_as;
      const source = el("select", {}, ...["entered", "caller", "variable"].map((k) =>
        el("option", {value: k}, t("ivr.step.value." + k))));
      const variable = el("input", {class: "mono", autocomplete: "off", placeholder: t("ivr.step.variable")});
      const known = ["entered", "caller"].includes(s.value);
      source.value = known ? s.value : "variable";
      variable.value = known ? "" : s.value;
      const sync = () => { variable.hidden = source.value !== "variable"; };
      source.addEventListener("change", sync);
      sync();
      return [el("div", {class: "row-2"}, field("ivr.step.say_as", as),
                 field("ivr.step.value", el("span", {class: "key-dest"}, source, variable))),
              () => ({say_as: as.value, value: source.value === "variable" ? variable.value.trim() : source.value})];
    }
    if (s.kind === "http_lookup") {
      const url = el("input", {type: "url", class: "mono", value: s.url, autocomplete: "off", placeholder: "https://"});
      const limit = number(s.timeout_ms, 200, 10000);
      const choices = el("ul", {class: "stack choices"}, ...s.choices.map(choiceRow));
      const fallback = picker("fallback", s.fallback);
      return [el("div", {class: "stack"},
                 el("div", {class: "row-2"}, field("ivr.step.url", url), field("ivr.step.timeout_ms", limit)),
                 el("p", {class: "hint"}, t("ivr.step.lookup_hint")),
                 el("div", {class: "field"}, el("span", {class: "label"}, t("ivr.step.choices")), choices,
                    el("div", {}, el("button", {type: "button", class: "btn btn-small",
                                                onclick: () => choices.append(choiceRow({}))}, t("ivr.step.add_choice")))),
                 el("div", {class: "field"}, el("span", {class: "label"}, t("ivr.step.fallback")), fallback)),
              () => ({url: url.value.trim(), timeout_ms: Number(limit.value),
                      choices: [...choices.children].map((row) => row.collect()), fallback: fallback.value})];
    }
    if (s.kind === "complaint") {
      const longest = number(s.max_seconds, 5, 600), silence = number(s.silence_seconds, 1, 30);
      return [el("div", {class: "stack"}, el("p", {class: "hint"}, t("ivr.step.complaint_hint")),
                 el("div", {class: "row-2"}, field("ivr.step.max_seconds", longest),
                    field("ivr.step.silence_seconds", silence))),
              () => ({max_seconds: Number(longest.value), silence_seconds: Number(silence.value)})];
    }
    return [el("p", {class: "hint"}, t("ivr.step.ticket_status_hint")), () => ({})];
  }

  function stepRow(step) {
    const [node, value] = stepBody(step);
    const move = (delta) => () => {
      const sibling = delta < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (sibling) (delta < 0 ? sibling.before(row) : sibling.after(row));
    };
    const row = el("li", {class: "card step-row", dataset: {kind: step.kind}},
      el("div", {class: "page-head"}, el("strong", {}, t("ivr.step." + step.kind)),
        el("div", {class: "actions"},
          el("button", {type: "button", class: "btn btn-small", "aria-label": t("ivr.step.up"), onclick: move(-1)}, "↑"),
          el("button", {type: "button", class: "btn btn-small", "aria-label": t("ivr.step.down"), onclick: move(1)}, "↓"),
          el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => row.remove()},
             t("common.delete")))),
      node);
    row.collect = () => ({kind: step.kind, ...value()});
    return row;
  }

  $("add-step").addEventListener("click", () => $("steps").append(stepRow({kind: $("new-step-kind").value})));

  function fillEditor() {
    const f = form.elements;
    clearErrors(form);
    f.name.value = menu.name;
    f.number.value = menu.number || "";
    f.timeout.value = menu.timeout;
    f.max_tries.value = menu.max_tries;
    f.direct_dial.checked = menu.direct_dial;
    f.language.value = menu.language || "";
    fillPrompts(menu.prompt);
    $("keys").replaceChildren(...menu.options.map(keyRow));
    $("steps").replaceChildren(...menu.steps.map(stepRow));
    timeoutPicker = picker("on_timeout", menu.on_timeout);
    $("on-timeout").replaceChildren(timeoutPicker);
    invalidPicker = picker("on_invalid", menu.on_invalid);
    $("on-invalid").replaceChildren(invalidPicker);
    renderTrail();
  }

  function body() {
    const f = form.elements;
    return {
      name: f.name.value.trim(), number: optional(f.number), prompt: f.prompt.value ? Number(f.prompt.value) : null,
      timeout: Number(f.timeout.value), max_tries: Number(f.max_tries.value), direct_dial: f.direct_dial.checked,
      options: [...$("keys").querySelectorAll("tr")].map((tr) => ({
        digit: tr.querySelector("[name=digit]").value, ...tr.querySelector(".dest").value})),
      on_timeout: timeoutPicker.value, on_invalid: invalidPicker.value, language: f.language.value || null,
      steps: [...$("steps").children].map((row) => row.collect()),
    };
  }

  async function save() {
    clearErrors(form);
    try {
      menu = await api("PUT", `/ivrs/${menu.id}`, body());
      await loadCatalogue();
      renderTrail();
      toast(t("crud.saved", {name: menu.name}));
      return true;
    } catch (err) {
      showError(form, err);
      return false;
    }
  }

  async function openSubmenu(id) {
    if (await save()) show(id, [...trail, String(menu.id)]);
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });

  /* -- greetings (prompts) ------------------------------------------------------------ */

  function fillPrompts(selected) {
    const select = $("prompt-select");
    select.replaceChildren(el("option", {value: ""}, t("ivr.no_prompt")),
      ...prompts.map((p) => el("option", {value: p.id}, p.recorded ? p.name : t("ivr.not_recorded", {name: p.name}))));
    select.value = selected ? String(selected) : "";
    showPrompt();
  }

  /* Play the chosen prompt; one still to be recorded shows its code and is checked until it is. */
  function showPrompt() {
    clearTimeout(pollTimer);
    const p = prompts.find((x) => String(x.id) === $("prompt-select").value);
    const audio = $("prompt-audio");
    audio.hidden = !(p && p.recorded);
    if (p && p.recorded) {
      const src = `/api/v1/prompts/${p.id}/audio?v=${p.duration}`;
      if (audio.getAttribute("src") !== src) audio.src = src;
    } else {
      audio.removeAttribute("src");
    }
    const notice = $("record-notice");
    notice.hidden = !(p && !p.recorded);
    if (p && !p.recorded) {
      notice.textContent = t("ivr.record_notice", {code: p.record_code});
      pollTimer = setTimeout(poll, 3000, p.id);
    }
  }

  async function poll(id) {
    try {
      const p = await api("GET", `/prompts/${id}`);
      prompts = prompts.map((x) => (x.id === id ? p : x));
      if (p.recorded) toast(t("ivr.recorded", {name: p.name}));
    } catch (err) { /* checked again below */ }
    if (!$("editor").hidden) fillPrompts($("prompt-select").value);
  }

  $("prompt-select").addEventListener("change", showPrompt);

  const promptDialog = $("prompt-dialog");
  const promptForm = $("prompt-form");
  const source = () => promptForm.elements.source.value;

  promptForm.addEventListener("change", () => { $("prompt-file").hidden = source() !== "upload"; });

  $("new-prompt").addEventListener("click", () => {
    promptForm.reset();
    clearErrors(promptForm);
    promptForm.elements.name.value = t("ivr.prompt_default", {name: form.elements.name.value.trim()});
    $("prompt-file").hidden = false;
    promptDialog.showModal();
  });

  promptForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(promptForm);
    const f = promptForm.elements;
    const submit = promptForm.querySelector('[type="submit"]');
    submit.disabled = true;
    try {
      let made;
      if (source() === "upload") {
        const file = f.file.files[0];
        if (!file) { showError(promptForm, {field: "file", message: t("ivr.choose_file")}); return; }
        const data = new FormData();
        data.append("name", f.name.value.trim());
        data.append("file", file);
        made = await api("POST", "/prompts", undefined, {form: data});
      } else {
        made = await api("POST", "/prompts", {name: f.name.value.trim()});
      }
      prompts.push(made);
      promptDialog.close();
      fillPrompts(made.id);
      toast(t("ivr.prompt_added", {name: made.name}));
    } catch (err) {
      showError(promptForm, err);
    } finally {
      submit.disabled = false;
    }
  });

  /* -- a new menu (from the list, or a key's "New submenu…") ---------------------------- */

  const menuDialog = $("menu-dialog");
  const menuForm = $("menu-form");
  let made = null;

  /* The menu made, or null if the dialog was closed without one. */
  function newMenu() {
    menuForm.reset();
    clearErrors(menuForm);
    made = null;
    menuDialog.showModal();
    return new Promise((resolve) => menuDialog.addEventListener("close", () => resolve(made), {once: true}));
  }

  menuForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(menuForm);
    try {
      made = await api("POST", "/ivrs", {name: menuForm.elements.name.value.trim(), number: optional(menuForm.elements.number)});
      menuDialog.close();
    } catch (err) {
      showError(menuForm, err);
    }
  });

  history.replaceState(history.state || {}, "");
  route(history.state);
})();
