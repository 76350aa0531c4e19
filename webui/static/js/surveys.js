/* Surveys and outbound survey campaigns: the surveys (questions answered with the phone's keys,
   asked after a queue's call or by a campaign), the campaigns (numbers, pace, hours, permission
   class; start, pause, stop) and a campaign's results: each number's outcome, the count of each
   key per question and its average, a CSV export. */
(function () {
  "use strict";
  const {t, el, api, crud, toast, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const OWN = ["survey", "survey-yes-no"];
  const OUTCOMES = ["completed", "partial", "no_answer", "busy", "refused", "blacklisted", "opted_out"];
  const CAMPAIGN_DEFAULTS = {permission_class: "national", calls_at_once: 2, calls_per_minute: 10, hours_from: "09:00",
                             hours_to: "20:00", retries: 1, retry_minutes: 10, ring_seconds: 30};
  let prompts = [];
  let surveyList = [];
  let classes = [];
  let shown = null;  // the campaign whose results are open

  async function loadPrompts() {
    prompts = (await api("GET", "/prompts")).items;
  }

  /* One question: what it plays (the box's own prompt or one of the library), its keys, its timeout. */
  function questionRow(q) {
    const pick = el("select", {name: "prompt", "aria-label": t("sv.f.prompt")},
      ...OWN.map((s) => el("option", {value: "own:" + s}, t("sv.own." + s))),
      ...prompts.map((p) => el("option", {value: "lib:" + p.id}, p.recorded ? p.name : t("sv.f.not_recorded", {name: p.name}))));
    pick.value = q.sound ? "own:" + q.sound : "lib:" + q.prompt;
    return el("div", {class: "member-row question-row"}, pick,
      el("label", {class: "inline-field"}, t("sv.f.keys"),
         el("input", {name: "keys", value: q.keys, maxlength: 10, size: 6, autocomplete: "off"})),
      el("label", {class: "inline-field"}, t("sv.f.timeout"),
         el("input", {name: "timeout", type: "number", min: 2, max: 30, value: q.timeout})),
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
                    onclick: (e) => e.target.closest(".question-row").remove()}, t("list.remove")));
  }

  function questionsOf(form) {
    return [...form.querySelectorAll(".question-row")].map((row) => {
      const [kind, value] = row.querySelector("[name=prompt]").value.split(":");
      return {sound: kind === "own" ? value : null, prompt: kind === "lib" ? Number(value) : null,
              keys: row.querySelector("[name=keys]").value.trim(),
              timeout: Number(row.querySelector("[name=timeout]").value || 0)};
    });
  }

  const surveys = crud({
    prefix: "s",
    path: "/surveys",
    key: (s) => s.id,
    name: (s) => s.name,
    title: (s) => (s ? t("sv.edit_title", {name: s.name}) : t("sv.add_title")),
    deleteText: (s) => t("sv.delete_text", {name: s.name}),
    before: loadPrompts,
    actions: (s) => [el("button", {type: "button", class: "btn btn-small", dataset: {act: "results"},
                                   onclick: () => showSurveyResults(s)}, t("sv.c.results"))],
    cells: (s) => [
      el("td", {}, el("strong", {}, s.name)),
      el("td", {}, s.questions.map((q, i) => `${i + 1}: ${q.keys}`).join(" · ")),
      el("td", {}, s.language ? t("sv.lang." + s.language) : t("sv.f.language_box"))],
    fill(form, s) {
      form.elements.name.value = s ? s.name : "";
      form.elements.language.value = s && s.language ? s.language : "";
      const questions = s ? s.questions : [{sound: "survey", prompt: null, keys: "12345", timeout: 6}];
      $("questions").replaceChildren(...questions.map(questionRow));
    },
    body(form) {
      return {name: form.elements.name.value.trim(), language: form.elements.language.value || null,
              questions: questionsOf(form)};
    },
    loaded(items) {
      surveyList = items;
    },
  });
  $("add-question").addEventListener("click", () =>
    $("questions").append(questionRow({sound: "survey-yes-no", prompt: null, keys: "12", timeout: 6})));

  async function loadChoices() {
    const [doc, perms] = await Promise.all([api("GET", "/surveys"), api("GET", "/permission-classes")]);
    surveyList = doc.items;
    classes = perms.items.map((c) => c.name);
  }

  function status(c) {
    return el("span", {class: "status-pill", dataset: {state: c.status === "running" ? "ok" : c.status === "paused" ?
                                                         "degraded" : ""}}, t("sv.status." + c.status));
  }

  function progress(c) {
    const s = c.summary;
    const done = s.numbers - s.pending - s.calling;
    return t("sv.c.progress", {done, total: s.numbers, completed: s.completed});
  }

  async function act(c, action) {
    pageError("");
    try {
      await api("POST", `/campaigns/${c.id}/${action}`);
      toast(t("sv.c.done." + action, {name: c.name}));
      campaignsPage.load();
    } catch (err) {
      pageError(err.message);
    }
  }

  const ACTIONS = {draft: ["start", "stop"], running: ["pause", "stop"], paused: ["start", "stop"], stopped: [],
                   finished: []};

  const campaignsPage = crud({
    prefix: "c",
    path: "/campaigns",
    key: (c) => c.id,
    name: (c) => c.name,
    title: (c) => (c ? t("sv.c.edit_title", {name: c.name}) : t("sv.c.add_title")),
    deleteText: (c) => t("sv.c.delete_text", {name: c.name}),
    before: loadChoices,
    cells: (c) => [
      el("td", {}, el("strong", {}, c.name)),
      el("td", {}, c.survey_name),
      el("td", {}, status(c)),
      el("td", {}, progress(c)),
      el("td", {}, t("sv.c.pace", {at_once: c.calls_at_once, per_minute: c.calls_per_minute, from: c.hours_from,
                                   to: c.hours_to}))],
    actions: (c) => [
      ...ACTIONS[c.status].map((a) => el("button", {type: "button", class: "btn btn-small", dataset: {act: a},
                                                    onclick: () => act(c, a)}, t("sv.c.act." + a))),
      el("button", {type: "button", class: "btn btn-small", dataset: {act: "results"},
                    onclick: () => { shown = c; campaignsPage.load(); }}, t("sv.c.results"))],
    fill(form, c) {
      const f = form.elements;
      const v = c || CAMPAIGN_DEFAULTS;
      f.name.value = c ? c.name : "";
      f.survey.replaceChildren(...surveyList.map((s) => el("option", {value: s.id}, s.name)));
      if (c) f.survey.value = c.survey;
      f.survey.disabled = !!c && c.status !== "draft";
      const names = classes.includes(v.permission_class) ? classes : classes.concat([v.permission_class]);
      f.permission_class.replaceChildren(...names.map((n) => el("option", {value: n}, n)));
      f.permission_class.value = v.permission_class;
      f.numbers.value = "";
      csvText = null;
      for (const name of Object.keys(CAMPAIGN_DEFAULTS)) if (name !== "permission_class") f[name].value = v[name];
    },
    body(form, c) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), permission_class: f.permission_class.value};
      for (const name of ["calls_at_once", "calls_per_minute", "retries", "retry_minutes", "ring_seconds"]) {
        body[name] = Number(f[name].value || 0);
      }
      body.hours_from = f.hours_from.value.trim();
      body.hours_to = f.hours_to.value.trim();
      if (!c || c.status === "draft") body.survey = Number(f.survey.value);
      if (f.numbers.value.trim()) body.numbers = f.numbers.value;
      if (csvText !== null) body.numbers_csv = csvText;
      return body;
    },
    loaded(items) {
      if (shown) {
        const again = items.find((c) => c.id === shown.id);
        if (again) showResults(again); else $("results").hidden = true;
      }
    },
  });

  /* A CSV file chosen in the dialog is read at once and sent with the form (its "number" column). */
  let csvText = null;
  const campaignForm = $("c-edit-dialog").querySelector("form");
  campaignForm.elements.file.addEventListener("change", async (e) => {
    const file = e.target.files[0];
    csvText = file ? await file.text() : null;
  });

  function questionRows(questions) {
    $("question-results").tBodies[0].replaceChildren(...questions.map((q) =>
      el("tr", {dataset: {question: q.question}},
        el("td", {}, String(q.question)),
        el("td", {}, String(q.answers)),
        el("td", {class: "mono"}, Object.entries(q.keys).map(([k, n]) => `${k}: ${n}`).join("  ")),
        el("td", {}, q.average === null ? "—" : String(q.average)))));
  }

  /* A survey's results over all its answers: after queue calls and in campaigns. */
  async function showSurveyResults(s) {
    shown = null;
    pageError("");
    let doc;
    try {
      doc = await api("GET", `/surveys/${s.id}/results`);
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("results-title").textContent = t("sv.r.survey_title", {name: s.name});
    questionRows(doc.questions);
    for (const id of ["export", "outcomes", "numbers-part"]) $(id).hidden = true;
    $("results").hidden = false;
  }

  async function showResults(c) {
    shown = c;
    pageError("");
    let results, numbers;
    try {
      [results, numbers] = await Promise.all([api("GET", `/campaigns/${c.id}/results`),
                                              api("GET", `/campaigns/${c.id}/numbers`)]);
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("results-title").textContent = t("sv.r.title", {name: c.name});
    $("export").href = `/api/v1/campaigns/${c.id}/export`;
    const s = results.summary;
    $("outcomes").replaceChildren(
      el("span", {class: "state-badge", dataset: {outcome: "pending"}}, t("sv.r.waiting", {n: s.pending + s.calling})),
      ...OUTCOMES.map((o) => el("span", {class: "state-badge", dataset: {outcome: o}},
                                `${t("sv.outcome." + o)} ${s[o]}`)));
    questionRows(results.questions);
    for (const id of ["export", "outcomes", "numbers-part"]) $(id).hidden = false;
    $("number-results").tBodies[0].replaceChildren(...numbers.items.map((n) =>
      el("tr", {dataset: {number: n.number}},
        el("td", {class: "mono"}, n.number),
        el("td", {}, n.outcome && n.state === "done" ? t("sv.outcome." + n.outcome) : t("sv.state." + n.state)),
        el("td", {}, String(n.attempts)))));
    $("results").hidden = false;
  }

  surveys.load();
  campaignsPage.load();
})();
