/* Widgets of the call-flow and call-center pages: where a call goes (a destination picker
   over what exists on the box), ordered lists (a ring group's members, a route's trunks) and
   a trunk's live state, an extension's recent calls, a number staff can call with one click. */
(function () {
  "use strict";
  const {t, el, api, boot, live, toast, clock, duration, dateTime} = window.Callbox;

  const KINDS = ["extension", "ring_group", "queue", "ivr", "time_condition", "conference", "voicemail", "external",
                 "fax", "hangup"];
  const UNTARGETED = ["fax", "hangup"];  // kinds that name no target
  const NEW_MENU = "new";
  const catalogue = {extensions: [], ringGroups: [], ivrs: [], queues: [], timeConditions: [], conferences: []};
  const SOURCES = {extensions: "/extensions?per_page=1000", ringGroups: "/ring-groups", ivrs: "/ivrs", queues: "/queues",
                   timeConditions: "/time-conditions", conferences: "/conferences"};

  /* What destinations may point at (or the named parts of it: supervisors may not read menus);
     pages reload it after they change any of it. */
  async function loadCatalogue(parts) {
    const names = Array.isArray(parts) ? parts : Object.keys(SOURCES);
    const docs = await Promise.all(names.map((name) => api("GET", SOURCES[name])));
    names.forEach((name, i) => { catalogue[name] = docs[i].items; });
    return catalogue;
  }

  const extensionChoices = () => catalogue.extensions.map((e) => [e.number, `${e.number} · ${e.name}`]);

  /* [[value, label], ...] a destination of this kind may point at. */
  function targets(kind) {
    switch (kind) {
      case "extension": return extensionChoices();
      case "voicemail":
        return catalogue.extensions.filter((e) => e.voicemail_enabled).map((e) => [e.number, `${e.number} · ${e.name}`]);
      case "ring_group": return catalogue.ringGroups.map((g) => [g.number, `${g.number} · ${g.name}`]);
      case "queue": return catalogue.queues.map((q) => [q.number, `${q.number} · ${q.name}`]);
      case "ivr": return catalogue.ivrs.map((m) => [String(m.id), m.number ? `${m.name} (${m.number})` : m.name]);
      case "time_condition": return catalogue.timeConditions.map((c) => [String(c.id), `${c.name} (*28${c.code})`]);
      case "conference": return catalogue.conferences.map((c) => [c.number, `${c.number} · ${c.name}`]);
      default: return [];
    }
  }

  function describe(dest) {
    if (!dest || UNTARGETED.includes(dest.kind)) return t("dest.kind." + (dest ? dest.kind : "hangup"));
    const found = targets(dest.kind).find(([value]) => value === String(dest.target));
    return t("dest.to", {kind: t("dest.kind." + dest.kind), target: found ? found[1] : dest.target});
  }

  /* A kind and a target (an outside number is typed); .value is {kind, target}. options.kinds limits the
     kinds offered. With onNewMenu(picker), the menu list offers "New submenu…", and onNewMenu answers the
     new menu's id (or null). */
  function destinationPicker(name, value, options) {
    const opts = options || {};
    const kinds = opts.kinds || KINDS;
    const kind = el("select", {name: `${name}.kind`, class: "dest-kind", "aria-label": t("dest.kind_label")},
      ...kinds.map((k) => el("option", {value: k}, t("dest.kind." + k))));
    const target = el("select", {name: `${name}.target`, class: "dest-target", "aria-label": t("dest.target_label")});
    const number = el("input", {name: `${name}.number`, class: "dest-number mono", inputmode: "tel", autocomplete: "off",
                                "aria-label": t("dest.number_label"), placeholder: t("dest.number_label")});
    const node = el("span", {class: "dest"}, kind, target, number);
    let last = "";

    function fill(selected) {
      const typed = kind.value === "external";
      const list = targets(kind.value);
      target.replaceChildren(...list.map(([v, label]) => el("option", {value: v}, label)));
      if (kind.value === "ivr" && opts.onNewMenu) target.append(el("option", {value: NEW_MENU}, t("dest.new_menu")));
      target.hidden = target.disabled = typed || UNTARGETED.includes(kind.value);
      number.hidden = number.disabled = !typed;
      if (selected !== undefined && selected !== null) (typed ? number : target).value = String(selected);
      last = target.value;
    }

    kind.addEventListener("change", () => fill());
    target.addEventListener("change", async () => {
      if (target.value !== NEW_MENU) { last = target.value; return; }
      const id = await opts.onNewMenu(node);
      fill(id === null ? last : id);
      node.dispatchEvent(new Event("change", {bubbles: true}));  // the new value, for whoever watches the picker
    });
    kind.value = value && kinds.includes(value.kind) ? value.kind : (opts.kind || kinds[0]);
    fill(value ? value.target : undefined);

    Object.defineProperty(node, "value", {get: () => ({
      kind: kind.value,
      target: UNTARGETED.includes(kind.value) ? null : kind.value === "external" ? number.value.trim() || null : target.value || null})});
    return node;
  }

  /* An ordered list of choices: add from the rest, move up and down, remove. .value is the values in order. */
  function orderedList(name, choices, values) {
    const labels = new Map(choices);
    const list = el("ol", {class: "ordered", dataset: {name}});
    const pick = el("select", {class: "ordered-pick", "aria-label": t("list.pick")});
    const node = el("div", {class: "ordered-list"}, list,
      el("div", {class: "ordered-add"}, pick,
         el("button", {type: "button", class: "btn btn-small", onclick: () => { add(pick.value); }}, t("list.add"))));
    let order = [];

    function render() {
      list.replaceChildren(...order.map((value, i) => el("li", {dataset: {value}},
        el("span", {class: "ordered-label"}, labels.get(value) || value),
        el("button", {type: "button", class: "btn btn-small", title: t("list.up"), "aria-label": t("list.up"),
                      disabled: i === 0, onclick: () => move(i, -1)}, "↑"),
        el("button", {type: "button", class: "btn btn-small", title: t("list.down"), "aria-label": t("list.down"),
                      disabled: i === order.length - 1, onclick: () => move(i, 1)}, "↓"),
        el("button", {type: "button", class: "btn btn-small btn-danger-ghost", title: t("list.remove"),
                      "aria-label": t("list.remove"), onclick: () => { order.splice(i, 1); render(); }}, "×"))));
      const rest = choices.filter(([value]) => !order.includes(value));
      pick.replaceChildren(...rest.map(([value, label]) => el("option", {value}, label)));
      pick.disabled = !rest.length;
    }

    function add(value) {
      if (value && !order.includes(value)) order.push(value);
      render();
    }

    function move(i, by) {
      [order[i], order[i + by]] = [order[i + by], order[i]];
      render();
    }

    order = (values || []).map(String);
    render();
    Object.defineProperty(node, "value", {get: () => order.slice()});
    return node;
  }

  /* A trunk's live state as a dot and words: registration where it registers, else reachability. */
  function trunkState(trunk) {
    const status = trunk.status || {};
    let state = "off", text = t("trunk.state.unknown");
    if (!trunk.enabled) {
      text = t("trunk.state.disabled");
    } else if (trunk.register && status.registration) {
      state = status.registration === "Registered" ? "on" : "bad";
      const key = "trunk.reg." + status.registration;  // Asterisk's words, in the page's language where known
      text = t(key) === key ? status.registration : t(key);
    } else if (status.reachable === true) {
      state = "on"; text = t("trunk.state.reachable");
    } else if (status.reachable === false) {
      state = "bad"; text = t("trunk.state.unreachable");
    } else if (trunk.register) {
      text = t("trunk.state.registering");
    }
    return el("span", {class: "reg", dataset: {state}}, el("span", {class: "dot"}), el("span", {class: "reg-text"}, text));
  }

  /* A "trunk" event {trunk: "trunk-<id>", registration} applied to a list of trunks; the trunk changed or null. */
  function applyTrunkEvent(trunks, ev) {
    const found = trunks.find((x) => `trunk-${x.id}` === ev.trunk);
    if (found) found.status = {...(found.status || {}), registration: ev.registration};
    return found || null;
  }

  /* An agent's state as a coloured word; a pause says why. */
  function agentBadge(agent) {
    const text = t("agent.state." + agent.state) + (agent.state === "paused" && agent.reason ? ` · ${agent.reason}` : "");
    return el("span", {class: "state-badge", dataset: {state: agent.state}}, text);
  }

  /* The pause reasons (GET /pause-reasons) as a select's options, "no reason" first. */
  function reasonOptions(select, reasons) {
    select.replaceChildren(el("option", {value: ""}, t("agent.no_reason")),
      ...reasons.map((r) => el("option", {value: r.name}, `${r.name} (${r.phone_code})`)));
  }

  /* Ticking times: each [data-since] (a Unix time) shows how long ago that was, now and every second
     from the first call on. */
  let ticker = null;
  function tick() {
    const now = Date.now() / 1000;
    for (const node of document.querySelectorAll("[data-since]")) {
      node.textContent = clock(now - Number(node.dataset.since));
    }
    if (ticker === null) ticker = setInterval(tick, 1000);
  }

  /* An extension's recent calls (GET /extensions/{number}/calls) into a table's body: when, in, out
     or missed, the number at the other end (and its name), talk time; `empty` shows when there are none. */
  function recentCalls(tbody, empty, items) {
    tbody.replaceChildren(...items.map((c) => el("tr", {dataset: {call: c.id, kind: c.kind}},
      el("td", {class: "nowrap"}, dateTime(c.start)),
      el("td", {}, el("span", {class: "tag", dataset: {recent: c.kind}}, t("recent.kind." + c.kind))),
      el("td", {class: "mono"}, callable(c.number), c.name ? el("span", {class: "muted"}, " · " + c.name) : ""),
      el("td", {}, c.kind === "missed" ? "—" : duration(c.talk_seconds)))));
    empty.hidden = items.length > 0;
  }

  /* Click-to-call (POST /calls) from extension `from` to number `to`, and what becomes of it: the box
     follows the call and tells the user who asked over the page's event stream ("click_to_call" events:
     their phone rings, does not answer, is busy or not registered; then the number answers, is busy, does
     not answer, is refused). `show(text, kind, final)` is told each step. The stream is open before the
     request goes, and events that come before the answer to it wait, so a phone that refuses at once is
     not missed. A refusal of the request itself (the number outside the user's class) is thrown. */
  const FAILED = ["no_answer", "busy", "declined", "not_registered", "unreachable", "far_busy", "far_no_answer",
                  "far_failed", "refused"];
  const following = new Map();  // call id -> its handler
  const early = new Map();  // call id -> events that came before the request's answer
  let listening = null;

  function onCallEvent(e) {
    const handler = following.get(e.id);
    if (handler) { handler(e); return; }
    if (!early.has(e.id)) early.set(e.id, []);
    early.get(e.id).push(e);
    if (early.size > 20) early.delete(early.keys().next().value);
  }

  function listen() {
    if (!listening) {
      const source = live({click_to_call: onCallEvent});
      listening = source.readyState === EventSource.OPEN ? Promise.resolve() : new Promise((resolve) => {
        source.addEventListener("open", resolve, {once: true});
        setTimeout(resolve, 5000);  // the call goes anyway: the stream may come late
      });
    }
    return listening;
  }

  async function placeCall(from, to, show) {
    await listen();
    const placed = await api("POST", "/calls", {from, to});
    const vars = {number: to, extension: from};
    show(t("c2c.state.calling", vars), "ok", false);
    const handler = (e) => {
      const key = e.state === "ringing" ? "c2c.ringing" : "c2c.state." + e.state;
      show(t(key, vars), FAILED.includes(e.state) ? "error" : "ok", e.final);
      if (e.final) following.delete(placed.id);
    };
    following.set(placed.id, handler);
    (early.get(placed.id) || []).forEach(handler);
    early.delete(placed.id);
    return placed;
  }

  /* A number as staff see it, with a button that calls it (placeCall): the signed-in user's phone
     rings (the browser phone on this page answers by itself), then the box dials the number from it; a
     short status by the button says what happens (a toast once the button is gone). No button without a
     desk phone, nor for what is not a number (a name, a hidden caller, the user's own extension). */
  function callable(number) {
    const text = number || "—";
    const own = (boot.user || {}).extension;
    const digits = String(number || "").replace(/[\s().-]/g, "");
    if (!own || !/^[0-9]{2,20}$/.test(digits) || digits === own) return el("span", {class: "mono"}, text);
    const button = el("button", {type: "button", class: "btn btn-small call-button", dataset: {number: digits},
                                 title: t("c2c.call", {number: digits, extension: own}),
                                 "aria-label": t("c2c.call", {number: digits, extension: own})}, "☎");
    const status = el("span", {class: "c2c-status", role: "status", hidden: true});
    const show = (message, kind) => {
      if (!status.isConnected) { toast(message, kind); return; }
      status.textContent = message;
      status.dataset.kind = kind;
      status.hidden = false;
    };
    button.addEventListener("click", async (e) => {
      e.stopPropagation();  // rows that open a record on click stay as they are
      button.disabled = true;
      try {
        const placed = await placeCall(own, digits, show);
        // The browser phone on this page answers by itself; a desk phone is for the user to pick up.
        const webphone = window.Callbox.webphone;
        if (placed.rings === "browser" && webphone) webphone.expect(digits);
      } catch (err) {
        show(err.message, "error");
      } finally {
        button.disabled = false;
      }
    });
    return el("span", {class: "callable mono"}, text, " ", button, status);
  }

  /* An SMS as a table row's cells: when, which way, the number, the text, its delivery state (with
     the gateway's last error under it). The SMS page and a customer's messages show the same. */
  function smsCells(m) {
    return [
      el("td", {class: "nowrap"}, dateTime(m.created_at)),
      el("td", {}, t("sms.dir." + m.direction)),
      el("td", {class: "mono"}, m.number),
      el("td", {class: "wrap"}, m.text),
      el("td", {title: m.last_error || ""}, t("sms.state." + m.state),
         m.last_error ? el("div", {class: "muted"}, m.last_error) : "")];
  }

  Object.assign(window.Callbox, {smsCells, callable, placeCall, loadCatalogue, catalogue, extensionChoices, describe, destinationPicker,
                                 orderedList, trunkState, applyTrunkEvent, agentBadge, reasonOptions, tick,
                                 recentCalls});
})();
