/* Wallboard: each queue's callers (their waits ticking), today's figures and its agents by
   state, the calls in progress; supervisors listen, whisper, barge, hang up or move a call,
   and pause, unpause, log in or log out an agent. Kept live from the event stream. */
(function () {
  "use strict";
  const {t, el, api, live, toast, pageError, clearErrors, showError, confirmDialog, duration, loadCatalogue,
         catalogue, destinationPicker, agentBadge, reasonOptions, tick} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const STATES = ["available", "ringing", "on_call", "wrapup", "paused", "logged_out"];
  const SPY = ["listen", "whisper", "barge"];
  const now = () => Date.now() / 1000;

  let queues = [];            // the queues' settings (GET /queues)
  const callers = {};         // queue -> [{id, number, name, position, joined}]
  const today = {};           // queue -> today's figures
  const agents = new Map();   // extension -> state (+ today's figures)
  const calls = new Map();    // call id -> call in progress
  let reasons = [];
  let shown = new URLSearchParams(location.search).get("queue") || "";

  const nameOf = (ext) => (catalogue.extensions.find((x) => x.number === ext) || {}).name || "";
  const agentLabel = (ext) => (nameOf(ext) ? `${ext} · ${nameOf(ext)}` : ext);
  const visibleQueues = () => queues.filter((q) => !shown || q.number === shown);
  const memberOf = (ext) => queues.filter((q) => q.members.some((m) => m.extension === ext)).map((q) => q.number);

  /* -- what the box says ------------------------------------------------------------- */

  function setLive(doc) {
    callers[doc.queue] = doc.callers.map((c) => ({...c, joined: now() - c.waiting}));
    for (const a of doc.agents) agents.set(a.extension, {...agents.get(a.extension), ...a});
  }

  function setAgent(state) {
    agents.set(state.extension, {...agents.get(state.extension), ...state});
    for (const [id, call] of calls) if (call.agent === state.extension) calls.delete(id);
    if (state.call) calls.set(state.call.id, state.call);
  }

  async function load() {
    pageError("");
    try {
      const [, agentDoc, callDoc, reasonDoc] = await Promise.all([
        loadCatalogue(["extensions", "queues"]), api("GET", "/agents"), api("GET", "/calls"),
        api("GET", "/pause-reasons")]);
      queues = catalogue.queues;
      reasons = reasonDoc.items;
      agents.clear();
      calls.clear();
      for (const a of agentDoc.items) setAgent(a);
      for (const c of callDoc.items) calls.set(c.id, c);
      const lives = await Promise.all(queues.map((q) => api("GET", `/queues/${encodeURIComponent(q.number)}/live`)));
      for (const doc of lives) {
        setLive(doc);
        today[doc.queue] = doc.today;
      }
    } catch (err) {
      pageError(err.message);
    }
    const pick = $("queue-pick");
    pick.replaceChildren(el("option", {value: ""}, t("wb.all_queues")),
      ...queues.map((q) => el("option", {value: q.number}, `${q.number} · ${q.name}`)));
    if (!queues.some((q) => q.number === shown)) shown = "";
    pick.value = shown;
    render();
  }

  /* -- the queues ---------------------------------------------------------------------- */

  function figure(key, label, value) {
    return el("div", {class: "figure", dataset: {figure: key}}, el("div", {class: "figure-value"}, value),
              el("div", {class: "figure-label"}, label));
  }

  const known = (value, shown) => (value === null || value === undefined ? "—" : shown(value));

  function queueCard(q) {
    const waiting = callers[q.number] || [];
    const day = today[q.number] || {};
    const first = waiting.reduce((min, c) => Math.min(min, c.joined), Infinity);
    const counts = {};
    for (const m of q.members) {
      const state = (agents.get(m.extension) || {state: "logged_out"}).state;
      counts[state] = (counts[state] || 0) + 1;
    }
    return el("section", {class: "card queue-card", dataset: {queue: q.number}},
      el("div", {class: "card-head"}, el("h2", {}, `${q.number} · ${q.name}`),
         el("span", {class: "tag", dataset: {waiting: waiting.length ? "yes" : "no"}},
            t("wb.waiting_n", {n: waiting.length}))),
      el("div", {class: "figures"},
        figure("longest", t("wb.longest"), waiting.length ? el("span", {dataset: {since: first}}) : "—"),
        figure("answered", t("wb.answered"), day.answered ?? "—"),
        figure("abandoned", t("wb.abandoned"), day.abandoned ?? "—"),
        figure("service_level", t("wb.service_level", {s: day.service_level_seconds ?? q.service_level}),
               known(day.service_level, (v) => `${Math.round(v)} %`)),
        figure("avg_wait", t("wb.avg_wait"), known(day.avg_wait, duration))),
      el("div", {class: "state-counts"}, ...STATES.filter((s) => counts[s]).map((s) =>
        el("span", {class: "state-badge", dataset: {state: s}}, `${t("agent.state." + s)} ${counts[s]}`))),
      waiting.length ? el("ol", {class: "callers"}, ...waiting.map((c) => el("li", {dataset: {id: c.id}},
        el("span", {class: "mono"}, c.number || t("wb.unknown_caller")),
        c.name ? el("span", {class: "muted"}, c.name) : null,
        el("span", {class: "wait mono", dataset: {since: c.joined}})))) :
        el("p", {class: "muted small"}, t("wb.nobody_waiting")));
  }

  function renderQueues() {
    const list = visibleQueues();
    $("queue-cards").replaceChildren(...list.map(queueCard));
    $("no-queues").hidden = queues.length > 0;
  }

  /* -- agents -------------------------------------------------------------------------- */

  function agentAction(ext, action, body) {
    pageError("");
    return api("POST", `/agents/${encodeURIComponent(ext)}/${action}`, body)
      .then(setAgent)
      .then(render, (err) => pageError(err.message));
  }

  function agentButtons(a) {
    const ext = a.extension;
    const button = (label, onclick, extra) => el("button", {type: "button", class: "btn btn-small" + (extra || ""), onclick}, label);
    if (a.state === "logged_out") return [button(t("agent.login"), () => agentAction(ext, "login"))];
    return [
      a.state === "paused" ? button(t("agent.unpause"), () => agentAction(ext, "unpause"))
                           : button(t("agent.pause_dots"), () => openPause(ext)),
      button(t("agent.logout"), () => agentAction(ext, "logout"), " btn-danger-ghost")];
  }

  function agentRow(ext) {
    const a = agents.get(ext) || {extension: ext, state: "logged_out", queues: []};
    const day = a.today || {};
    return el("tr", {dataset: {agent: ext, state: a.state}},
      el("td", {}, el("strong", {class: "mono"}, ext), " ", el("span", {class: "muted"}, nameOf(ext))),
      el("td", {}, agentBadge(a)),
      el("td", {class: "mono"}, (a.queues || []).join(", ") || "—"),
      el("td", {}, a.call ? el("span", {}, el("span", {class: "mono"}, a.call.caller || "—"), " · ",
                               el("span", {class: "mono", dataset: {since: a.call.since}})) : "—"),
      el("td", {}, day.calls ?? "—"),
      el("td", {}, known(day.talk_seconds, duration)),
      el("td", {}, known(day.satisfaction, (score) => t("wb.score", {score, n: day.surveys}))),
      el("td", {class: "col-actions"}, ...agentButtons(a)));
  }

  function renderAgents() {
    const wanted = new Set(visibleQueues().map((q) => q.number));
    const list = [...new Set([...agents.keys(), ...queues.flatMap((q) => q.members.map((m) => m.extension))])]
      .filter((ext) => memberOf(ext).some((n) => wanted.has(n)) || (agents.get(ext)?.queues || []).some((n) => wanted.has(n)))
      .sort((a, b) => a.length - b.length || a.localeCompare(b));
    $("agent-rows").replaceChildren(...list.map(agentRow));
    $("agents-empty").hidden = list.length > 0;
    const on = list.filter((ext) => (agents.get(ext)?.state || "logged_out") !== "logged_out").length;
    $("agent-summary").textContent = t("wb.agents_on", {on, n: list.length});
  }

  const pauseDialog = $("pause-dialog");
  const pauseForm = $("pause-form");
  let pausing = null;

  function openPause(ext) {
    pausing = ext;
    clearErrors(pauseForm);
    reasonOptions($("pause-reason"), reasons);
    $("pause-title").textContent = t("wb.pause_title", {agent: agentLabel(ext)});
    pauseDialog.showModal();
  }

  pauseForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(pauseForm);
    try {
      setAgent(await api("POST", `/agents/${encodeURIComponent(pausing)}/pause`, {reason: $("pause-reason").value || null}));
      pauseDialog.close();
      render();
    } catch (err) {
      showError(pauseForm, err);
    }
  });

  /* -- calls in progress ------------------------------------------------------------------ */

  const boardForm = $("board-form");

  async function spy(call, mode) {
    pageError("");
    clearErrors(boardForm);
    const phone = $("spy-phone").value.trim();
    if (!phone) {
      showError(boardForm, {field: "supervisor", message: t("wb.need_phone")});
      return;
    }
    try {
      await api("POST", `/calls/${encodeURIComponent(call.id)}/spy`, {supervisor: phone, mode});
      toast(t("wb.spy_ringing", {phone, mode: t("wb.spy." + mode)}));
    } catch (err) {
      if (err.field === "supervisor") showError(boardForm, err);
      else pageError(err.message);
    }
  }

  async function hangup(call) {
    pageError("");
    if (!await confirmDialog(t("wb.hangup_title"), t("wb.hangup_text", {caller: call.caller || t("wb.unknown_caller"),
                                                                          agent: agentLabel(call.agent)}), t("wb.hangup"))) return;
    try {
      await api("POST", `/calls/${encodeURIComponent(call.id)}/hangup`);
      toast(t("wb.hung_up"));
    } catch (err) {
      pageError(err.message);
    }
  }

  const moveDialog = $("move-dialog");
  const moveForm = $("move-form");
  let moving = null, moveTo = null;

  function openMove(call) {
    moving = call;
    clearErrors(moveForm);
    $("move-title").textContent = t("wb.move_title", {caller: call.caller || t("wb.unknown_caller")});
    moveTo = destinationPicker("move", null, {kinds: ["extension", "queue", "external"]});
    $("move-dest").replaceChildren(moveTo);
    moveDialog.showModal();
  }

  moveForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(moveForm);
    try {
      await api("POST", `/calls/${encodeURIComponent(moving.id)}/move`, moveTo.value);
      moveDialog.close();
      toast(t("wb.moved"));
    } catch (err) {
      showError(moveForm, err);
    }
  });

  function callRow(call) {
    const button = (label, onclick, extra) => el("button", {type: "button", class: "btn btn-small" + (extra || ""), onclick}, label);
    return el("tr", {dataset: {call: call.id, agent: call.agent}},
      el("td", {class: "mono"}, call.queue),
      el("td", {class: "mono"}, call.caller || t("wb.unknown_caller")),
      el("td", {}, agentLabel(call.agent)),
      el("td", {}, el("span", {class: "state-badge", dataset: {state: call.connected ? "on_call" : "ringing"}},
                      t(call.connected ? "agent.state.on_call" : "agent.state.ringing"))),
      el("td", {class: "mono", dataset: {since: call.since}}),
      el("td", {class: "col-actions"}, ...(call.connected ? [
        ...SPY.map((mode) => button(t("wb.spy." + mode), () => spy(call, mode))),
        button(t("wb.move_dots"), () => openMove(call)),
        button(t("wb.hangup"), () => hangup(call), " btn-danger-ghost")] : [])));
  }

  function renderCalls() {
    const wanted = new Set(visibleQueues().map((q) => q.number));
    const list = [...calls.values()].filter((c) => wanted.has(c.queue)).sort((a, b) => a.since - b.since);
    $("call-rows").replaceChildren(...list.map(callRow));
    $("calls-empty").hidden = list.length > 0;
  }

  function render() {
    renderQueues();
    renderAgents();
    renderCalls();
    tick();
  }

  $("queue-pick").addEventListener("change", (e) => {
    shown = e.target.value;
    history.replaceState(null, "", shown ? "?" + new URLSearchParams({queue: shown}) : location.pathname);
    render();
  });
  boardForm.addEventListener("submit", (e) => e.preventDefault());

  api("GET", "/me").then((me) => { if (me.extension && !$("spy-phone").value) $("spy-phone").value = me.extension.number; },
                         () => {});
  live({
    queue_live: (doc) => { setLive(doc); render(); },
    queue_stats: (doc) => { today[doc.queue] = doc; renderQueues(); tick(); },
    agent_state: (state) => { setAgent(state); render(); },
    call_connected: (call) => { calls.set(call.id, call); renderCalls(); tick(); },
    call_ended: (call) => { calls.delete(call.id); renderCalls(); },
    lost: load,
  });
  load();
})();
