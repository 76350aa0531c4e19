/* The agent's desk: their state (log in, pause with a reason, unpause, log out), today's
   figures and calls, their extension's recent calls (in, out, missed), and the screen pop: when a queue call rings them, the caller's record
   (or a new-contact form with the number filled in), their last calls, the CRM's answer,
   and notes saved to the call as they are typed. Agents work as their own extension;
   staff pick one. */
(function () {
  "use strict";
  const {boot, t, el, api, live, clearErrors, showError, toast, optional, duration, dateTime, agentBadge,
         reasonOptions, recentCalls, callable} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const SAVE_AFTER_MS = 800;
  let ext = "";
  let state = null;
  let pop = null;  // the call on screen: {call, queue, caller, customer, history, external, phase}
  let saving = Promise.resolve();
  let saveTimer = null;

  const path = (rest) => `/agents/${encodeURIComponent(ext)}${rest || ""}`;
  const mine = (data, key) => ext && data[key] === ext;

  /* -- state and today ---------------------------------------------------------------- */

  function renderState() {
    const s = state.state;
    $("agent-state").replaceChildren(agentBadge(state));
    $("agent-queues").textContent = state.queues && state.queues.length
      ? t("agent.in_queues", {queues: state.queues.join(", ")}) : t("agent.in_no_queue");
    $("login").hidden = s !== "logged_out";
    $("unpause").hidden = s !== "paused";
    $("pause").hidden = $("reason").hidden = s === "logged_out" || s === "paused";
    $("logout").hidden = s === "logged_out";
  }

  function callRow(c) {
    return el("tr", {dataset: {call: c.id}},
      el("td", {class: "nowrap"}, dateTime(c.entered_at)),
      el("td", {class: "mono"}, callable(c.caller)),
      el("td", {class: "mono"}, c.queue),
      el("td", {}, duration(c.wait)),
      el("td", {}, duration(c.talk)),
      el("td", {}, el("span", {class: "tag", dataset: {outcome: c.outcome}}, t("hist.outcome." + c.outcome))),
      el("td", {}, c.survey ?? "—"));
  }

  async function loadAgent() {
    const doc = await api("GET", path());
    state = doc;
    renderState();
    $("today-calls").textContent = doc.today.calls;
    $("today-talk").textContent = duration(doc.today.talk_seconds);
    $("today-score").textContent = doc.today.satisfaction ?? "—";
    $("today-score-label").textContent = t("agent.today_score_n", {n: doc.today.surveys});
    $("call-rows").replaceChildren(...doc.calls.map(callRow));
    $("calls-empty").hidden = doc.calls.length > 0;
    api("GET", `/extensions/${encodeURIComponent(ext)}/calls?limit=20`)
      .then((recent) => recentCalls($("recent-rows"), $("recent-empty"), recent.items), () => {});
    if (doc.call && (!pop || pop.call !== doc.call.id)) fromCall(doc.call);
  }

  async function act(action, body) {
    const box = $("state-error");
    box.hidden = true;
    try {
      state = {...state, ...await api("POST", path("/" + action), body)};
      renderState();
    } catch (err) {
      box.textContent = err.message;
      box.hidden = false;
    }
  }

  $("login").addEventListener("click", () => act("login"));
  $("logout").addEventListener("click", () => act("logout"));
  $("unpause").addEventListener("click", () => act("unpause"));
  $("pause").addEventListener("click", () => act("pause", {reason: $("reason").value || null}));

  /* -- the screen pop ------------------------------------------------------------------- */

  function renderRecord() {
    const c = pop.customer;
    $("pop-customer").hidden = !c;
    $("contact-form").hidden = !!c;
    if (!c) return;
    const pairs = [["cust.f.name", el("strong", {class: "pop-name"}, c.name)], ["cust.f.company", c.company || "—"],
                   ["cust.f.level", c.level || "—"], ["cust.f.numbers", c.numbers.map((n) => n.display).join(", ")],
                   ["cust.f.notes", c.notes || "—"]];
    $("pop-record").replaceChildren(...pairs.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]),
      el("dt", {}), el("dd", {}, el("a", {href: "/customers?" + new URLSearchParams({q: c.name})}, t("agent.open_record"))));
  }

  /* A ticket made from the pop holds the caller's number and the call. */
  $("pop-ticket").addEventListener("click", () => {
    if (!pop) return;
    const current = pop;
    window.Callbox.newTicket({id: current.call, caller: current.caller}, (ticket) => {
      current.ticket = ticket.number;
      if (pop === current) renderPop();
      loadTickets(current);
    });
  });

  /* The caller's tickets, however their number is written (the API matches the forms alike). */
  async function loadTickets(current) {
    let items = [];
    if (current.caller) {
      try {
        items = (await api("GET", "/tickets?" + new URLSearchParams({caller: current.caller, per_page: "5"}))).items;
      } catch (err) { /* not a phone number, or no answer: no list */ }
    }
    current.tickets = items;
    if (pop === current) renderPop();
  }

  function renderTickets() {
    const items = pop.tickets || [];
    $("pop-tickets").replaceChildren(...items.map((x) => el("tr", {},
      el("td", {class: "mono nowrap"}, el("a", {href: `/tickets/${encodeURIComponent(x.number)}`}, x.number)),
      el("td", {}, x.summary),
      el("td", {}, el("span", {class: "tag", dataset: {status: x.status}}, t("tk.status." + x.status))))));
    $("pop-tickets-none").hidden = !pop.tickets || items.length > 0;
  }

  function renderPop() {
    const box = $("pop");
    const made = $("pop-ticket-made");
    made.hidden = !pop.ticket;
    made.textContent = pop.ticket ? t("tk.created", {number: pop.ticket}) : "";
    made.href = pop.ticket ? `/tickets/${encodeURIComponent(pop.ticket)}` : "#";
    box.hidden = false;
    box.dataset.call = pop.call;
    box.dataset.phase = pop.phase;
    $("pop-title").textContent = t("agent.pop_title", {caller: pop.caller || t("wb.unknown_caller"), queue: pop.queue});
    const badge = $("pop-state");
    badge.dataset.state = {ringing: "ringing", connected: "on_call", ended: "logged_out"}[pop.phase];
    badge.textContent = t("agent.phase." + pop.phase);
    renderRecord();
    $("pop-history").replaceChildren(...pop.history.map((c) => el("tr", {},
      el("td", {class: "nowrap"}, dateTime(c.entered_at)), el("td", {class: "mono"}, c.queue),
      el("td", {class: "mono"}, c.agent || "—"),
      el("td", {}, el("span", {class: "tag", dataset: {outcome: c.outcome}}, t("hist.outcome." + c.outcome))),
      el("td", {}, duration(c.talk)))));
    $("pop-history-none").hidden = pop.history.length > 0;
    renderTickets();
    const external = pop.external;
    $("pop-external").hidden = external === null || external === undefined;
    if (!$("pop-external").hidden) {
      // The CRM's answer is someone else's data: shown as text, never as markup.
      const entries = external && typeof external === "object" && !Array.isArray(external)
        ? Object.entries(external) : [["", external]];
      $("pop-external-rows").replaceChildren(...entries.map(([key, value]) => el("tr", {},
        el("th", {}, key), el("td", {}, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)))));
    }
  }

  function open(data) {
    flushNotes();
    pop = {call: data.call, queue: data.queue, caller: data.caller, customer: data.customer, history: data.history || [],
           external: null, phase: "ringing"};
    const form = $("contact-form");
    form.reset();
    clearErrors(form);
    form.elements.number.value = pop.caller || "";
    $("notes").value = "";
    clearErrors($("notes-form"));
    notesState("saved", "");
    renderPop();
    loadTickets(pop);
  }

  /* A call already under way when the page opened: its caller's record from a lookup. */
  async function fromCall(call) {
    open({call: call.id, queue: call.queue, caller: call.caller, customer: null, history: []});
    pop.phase = call.connected ? "connected" : "ringing";
    const current = pop;
    try {
      const [found, notes] = await Promise.all([
        call.caller ? api("GET", "/customers/lookup?" + new URLSearchParams({number: call.caller})) : {customer: null},
        api("GET", `/calls/${encodeURIComponent(call.id)}/notes`)]);
      if (pop !== current) return;
      pop.customer = found.customer;
      if (found.external !== undefined) pop.external = found.external;
      if (!$("notes").value) $("notes").value = notes.notes;
    } catch (err) { /* the record is a help, not a must */ }
    if (pop === current) renderPop();
  }

  $("contact-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    clearErrors(form);
    const f = form.elements;
    const body = {name: f.name.value.trim(), company: optional(f.company), notes: optional(f.notes),
                  numbers: [f.number.value.trim()].filter(Boolean)};
    try {
      const made = await api("POST", "/customers", body);
      toast(t("crud.saved", {name: made.name}));
      if (pop) { pop.customer = made; renderPop(); }
    } catch (err) {
      showError(form, err);
    }
  });

  /* -- notes: saved a moment after typing stops, or with Save ---------------------------- */

  function notesState(key, text) {
    const node = $("notes-state");
    node.dataset.state = key;
    node.textContent = text;
  }

  function saveNotes() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (!pop) return saving;
    const call = pop.call, text = $("notes").value, form = $("notes-form");
    notesState("saving", t("agent.notes_saving"));
    saving = saving.then(async () => {
      try {
        await api("PUT", `/calls/${encodeURIComponent(call)}/notes`, {notes: text});
        clearErrors(form);
        if (pop && pop.call === call && $("notes").value === text) notesState("saved", t("agent.notes_saved"));
      } catch (err) {
        if (pop && pop.call === call) {
          showError(form, err);
          notesState("error", t("agent.notes_failed"));
        }
      }
    });
    return saving;
  }

  function flushNotes() {
    if (saveTimer !== null) saveNotes();
  }

  $("notes").addEventListener("input", () => {
    notesState("unsaved", t("agent.notes_unsaved"));
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNotes, SAVE_AFTER_MS);
  });
  $("notes-form").addEventListener("submit", (e) => { e.preventDefault(); saveNotes(); });
  window.addEventListener("pagehide", flushNotes);

  /* -- choosing the agent (staff) ------------------------------------------------------- */

  async function show(number) {
    ext = number;
    pop = null;
    $("pop").hidden = true;
    $("agent-heading").textContent = t("agent.heading", {number});
    try {
      await loadAgent();
      $("agent-body").hidden = false;
      $("agent-none").hidden = true;
    } catch (err) {
      $("agent-body").hidden = true;
      $("agent-none").hidden = false;
      $("agent-none").querySelector("p").textContent = err.message;
    }
  }

  const pick = $("agent-pick");
  if (pick) {
    Promise.all([api("GET", "/agents"), api("GET", "/extensions?per_page=1000")]).then(([agents, exts]) => {
      const names = new Map(exts.items.map((x) => [x.number, x.name]));
      pick.append(...agents.items.map((a) => el("option", {value: a.extension},
        names.has(a.extension) ? `${a.extension} · ${names.get(a.extension)}` : a.extension)));
      pick.value = boot.extension || "";
    }, () => {});
    pick.addEventListener("change", () => {
      if (!pick.value) return;
      history.replaceState(null, "", "?" + new URLSearchParams({ext: pick.value}));
      show(pick.value);
    });
  }

  api("GET", "/pause-reasons").then((doc) => reasonOptions($("reason"), doc.items),
                                    () => reasonOptions($("reason"), []));
  live({
    agent_state: (data) => {
      if (!mine(data, "extension") || !state) return;
      state = {...state, ...data};
      renderState();
    },
    screenpop: (data) => { if (mine(data, "agent")) open(data); },
    screenpop_external: (data) => {
      if (!mine(data, "agent") || !pop || pop.call !== data.call) return;
      pop.external = data.external;
      renderPop();
    },
    call_connected: (call) => {
      if (!mine(call, "agent")) return;
      if (!pop || pop.call !== call.id) { fromCall(call); return; }
      pop.phase = "connected";
      renderPop();
    },
    call_ended: (call) => {
      if (!mine(call, "agent") || !pop || pop.call !== call.id) return;
      pop.phase = "ended";
      renderPop();
      flushNotes();
      setTimeout(() => loadAgent().catch(() => {}), 1500);  // today's figures, once the call is in the history
    },
    lost: () => { if (ext) loadAgent().catch(() => {}); },
  });
  if (boot.extension) show(boot.extension);
})();
