/* Queues: callers wait in line for the queue's agents, who are rung by its strategy; every
   setting of a queue in one form. Supervisors see the queues; administrators change them. */
(function () {
  "use strict";
  const {boot, t, el, api, crud, describe, destinationPicker, loadCatalogue, catalogue, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const admin = boot.user.role === "admin";
  const NUMBERS = ["memory_seconds", "announce_interval", "max_wait", "max_callers", "wrapup", "ring_timeout",
                   "service_level"];
  const CHECKS = ["announce_position", "join_empty", "leave_empty", "announce_agent", "survey", "callback"];
  // A new queue's settings: the API's defaults.
  const DEFAULTS = {strategy: "rrmemory", memory_seconds: 0, music: "default", announce_position: false,
                    announce_interval: 60, join_empty: true, leave_empty: false, max_wait: 0, max_callers: 0,
                    overflow: {kind: "hangup", target: null}, wrapup: 0, ring_timeout: 15, announce_agent: false,
                    survey: false, survey_after: null, recording: "never", callback: false, callback_class: "national",
                    service_level: 20, language: null, members: []};
  let music = [];
  let classes = [];
  let surveys = [];
  let overflow;

  async function loadChoices() {
    const [, doc, perms, asked] = await Promise.all([loadCatalogue(), api("GET", "/music"),
                                                     api("GET", "/permission-classes"), api("GET", "/surveys")]);
    music = doc.items;
    classes = perms.items.map((c) => c.name);
    surveys = asked.items;
  }

  function memberRow(m) {
    const known = catalogue.extensions.map((x) => [x.number, `${x.number} · ${x.name}`]);
    if (m.extension && !known.some(([n]) => n === m.extension)) known.push([m.extension, m.extension]);
    const pick = el("select", {name: "member", "aria-label": t("q.f.member")},
      ...known.map(([value, label]) => el("option", {value}, label)));
    if (m.extension) pick.value = m.extension;
    return el("div", {class: "member-row"}, pick,
      el("label", {class: "inline-field"}, t("q.f.penalty"),
         el("input", {name: "penalty", type: "number", min: 0, max: 100, value: m.penalty})),
      el("label", {class: "check"}, el("input", {type: "checkbox", name: "dynamic", checked: m.dynamic}),
         t("q.f.dynamic_check")),
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
                    onclick: (e) => e.target.closest(".member-row").remove()}, t("list.remove")));
  }

  function members(q) {
    if (!q.members.length) return "—";
    return q.members.map((m) => m.extension + (m.dynamic ? "*" : "")).join(", ");
  }

  const page = crud({
    path: "/queues",
    key: (q) => q.number,
    name: (q) => `${q.number} ${q.name}`,
    title: (q) => (q ? t("q.edit_title", {number: q.number}) : t("q.add_title")),
    deleteText: (q) => t("q.delete_text", {name: q.name}),
    editable: admin,
    before: loadChoices,
    cells: (q) => [
      el("td", {class: "mono"}, q.number),
      el("td", {}, q.name),
      el("td", {}, t("q.strategy." + q.strategy) + (q.memory_seconds ? " · " + t("q.memory_on", {s: q.memory_seconds}) : "")),
      el("td", {class: "mono", title: t("q.dynamic_mark")}, members(q)),
      el("td", {}, describe(q.overflow)),
      el("td", {}, t("q.recording." + q.recording))],
    fill(form, q) {
      const f = form.elements;
      const v = q || DEFAULTS;
      f.number.value = q ? q.number : "";
      f.number.readOnly = !!q;
      f.name.value = q ? q.name : "";
      f.strategy.value = v.strategy;
      f.recording.value = v.recording;
      f.language.value = v.language || "";
      for (const name of NUMBERS) f[name].value = v[name];
      for (const name of CHECKS) f[name].checked = v[name];
      $("music").replaceChildren(el("option", {value: "default"}, t("q.music_default")),
        ...music.map((m) => el("option", {value: m.name}, m.tracks.length ? m.name : t("q.music_empty", {name: m.name}))));
      f.music.value = v.music;
      const names = classes.includes(v.callback_class) ? classes : classes.concat([v.callback_class]);
      f.callback_class.replaceChildren(...names.map((n) => el("option", {value: n}, n)));
      f.callback_class.value = v.callback_class;
      f.survey_after.replaceChildren(el("option", {value: ""}, t("q.f.survey_after_none")),
        ...surveys.map((s) => el("option", {value: s.id}, s.name)));
      f.survey_after.value = v.survey_after === null || v.survey_after === undefined ? "" : String(v.survey_after);
      $("members").replaceChildren(...v.members.map(memberRow));
      overflow = destinationPicker("overflow", v.overflow);
      $("overflow").replaceChildren(overflow);
      showStrategy();
    },
    body(form, q) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), strategy: f.strategy.value, music: f.music.value,
                    recording: f.recording.value, overflow: overflow.value, callback_class: f.callback_class.value,
                    language: f.language.value || null,
                    survey_after: f.survey_after.value ? Number(f.survey_after.value) : null};
      for (const name of NUMBERS) body[name] = Number(f[name].value || 0);
      for (const name of CHECKS) body[name] = f[name].checked;
      body.members = [...$("members").querySelectorAll(".member-row")].map((row) => ({
        extension: row.querySelector("[name=member]").value,
        penalty: Number(row.querySelector("[name=penalty]").value || 0),
        dynamic: row.querySelector("[name=dynamic]").checked}));
      if (!q) body.number = f.number.value.trim();
      return body;
    },
  });

  function showStrategy() {
    const select = document.querySelector("#edit-dialog select[name=strategy]");
    $("strategy-hint").textContent = t("q.strategy_hint." + select.value);
  }

  if (admin) {
    document.querySelector("#edit-dialog select[name=strategy]").addEventListener("change", showStrategy);
    $("add-member").addEventListener("click", () => {
      const row = memberRow({extension: "", penalty: 0, dynamic: true});
      $("members").append(row);
      row.querySelector("select").focus();
    });
  }
  // Supervisors may not read menus and ring groups: the destinations they see are named by number.
  loadCatalogue(admin ? null : ["extensions", "queues"]).then(page.load, (err) => pageError(err.message));
})();
