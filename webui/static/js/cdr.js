/* Call log: every call's record, newest first, filtered by days, direction, outcome, a number
   written any way, extension, queue and trunk, a page at a time; a call opens with the path it
   took, its transfers, its recording (played in the page) and one line per channel. Page 1
   follows new calls as they end. Agents see their own calls. */
(function () {
  "use strict";
  const {t, el, api, live, clearErrors, showError, duration, dateTime, pager, boot, callable} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const PER_PAGE = 50;
  const form = $("filter");
  const FILTERS = ["days", "from", "to", "direction", "outcome", "number", "extension", "queue", "trunk"]
    .filter((name) => form.elements[name]);
  let refreshTimer = null;

  function filters() {
    const out = {};
    for (const name of FILTERS) if (form.elements[name].value.trim()) out[name] = form.elements[name].value.trim();
    return out;
  }

  function step(s) {
    return t("cdr.kind." + s.kind) + (s.target ? " " + s.target : "");
  }

  function player(c) {
    if (!c.recording) return "—";
    const src = `/api/v1/recordings/${encodeURIComponent(c.recording)}`;
    return el("div", {class: "player"},
      el("audio", {controls: true, preload: "none", src}),
      el("a", {class: "small", href: src + "?download=1", download: `call-${c.recording}.wav`}, t("cdr.download")));
  }

  function who(number, name) {
    return [el("div", {class: "mono"}, callable(number)), name ? el("div", {class: "muted small"}, name) : null];
  }

  function row(c) {
    return el("tr", {dataset: {call: c.id, outcome: c.outcome, direction: c.direction}},
      el("td", {class: "nowrap"}, dateTime(c.start)),
      el("td", {}, t("cdr.direction." + c.direction)),
      el("td", {}, ...who(c.from, c.from_name)),
      el("td", {class: "mono"}, callable(c.to)),
      el("td", {class: "small"}, c.path.map(step).join(" → ") || "—"),
      el("td", {class: "mono"}, c.answered_by || "—"),
      el("td", {}, duration(c.wait_seconds)),
      el("td", {class: "talk"}, duration(c.talk_seconds)),
      el("td", {}, el("span", {class: "tag", dataset: {outcome: c.outcome}}, t("cdr.outcome." + c.outcome))),
      el("td", {}, player(c)),
      el("td", {}, el("button", {class: "btn btn-small", type: "button", dataset: {open: c.id}}, t("cdr.open"))));
  }

  async function load(page) {
    clearErrors(form);
    let doc;
    try {
      doc = await api("GET", "/cdr?" + new URLSearchParams({page, per_page: PER_PAGE, ...filters()}));
    } catch (err) {
      showError(form, err);
      return undefined;
    }
    $("rows").replaceChildren(...doc.items.map(row));
    $("empty").hidden = doc.items.length > 0;
    // Past a count of its own the server stops counting (a filter the hourly rollup cannot add up).
    $("summary").textContent = t("cdr.total", {n: doc.total_capped ? `${doc.total}+` : doc.total});
    return doc.total;
  }

  const pages = pager(PER_PAGE, load);

  async function open(id) {
    let c;
    try {
      c = await api("GET", `/cdr/${encodeURIComponent(id)}`);
    } catch (err) {
      showError(form, err);
      return;
    }
    $("call-title").textContent = t("cdr.call_title", {from: c.from || "—", to: c.to || "—"});
    const facts = [
      ["cdr.col.start", dateTime(c.start)], ["cdr.col.direction", t("cdr.direction." + c.direction)],
      ["cdr.col.from", [c.from, c.from_name].filter(Boolean).join(" · ") || "—"], ["cdr.col.to", c.to || "—"],
      ["cdr.did", c.did || "—"], ["cdr.trunk", c.trunk ?? "—"], ["cdr.col.answered_by", c.answered_by || "—"],
      ["cdr.col.wait", duration(c.wait_seconds)], ["cdr.col.talk", duration(c.talk_seconds)],
      ["cdr.hold", duration(c.hold_seconds)], ["cdr.col.outcome", t("cdr.outcome." + c.outcome)],
      ["cdr.survey", c.survey ?? "—"], ["cdr.end", dateTime(c.end)],
    ];
    $("call-facts").replaceChildren(...facts.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, String(value))]));
    $("call-path").replaceChildren(...(c.path.length ? c.path.map((s) => el("li", {}, step(s)))
                                                      : [el("li", {class: "muted"}, "—")]));
    $("call-transfers").replaceChildren(...(c.transfers.length
      ? c.transfers.map((x) => el("li", {}, t("cdr.transfer." + x.kind, {from: x.from || "—", to: x.to || "—"})))
      : [el("li", {class: "muted"}, t("cdr.no_transfers"))]));
    $("call-recording").replaceChildren(...(c.recording ? [el("h3", {}, t("cdr.col.recording")), player(c)] : []));
    $("call-legs").replaceChildren(...c.legs.map((leg) => el("tr", {},
      el("td", {class: "mono small"}, leg.channel), el("td", {class: "mono"}, leg.party || "—"),
      el("td", {class: "nowrap"}, dateTime(leg.start)), el("td", {class: "nowrap"}, leg.answer ? dateTime(leg.answer) : "—"),
      el("td", {class: "nowrap"}, leg.end ? dateTime(leg.end) : "—"),
      el("td", {}, [leg.dial_status, leg.hangup_cause].filter((v) => v !== null && v !== undefined).join(" · ") || "—"))));
    $("call-dialog").showModal();
  }

  $("rows").addEventListener("click", (e) => {
    const button = e.target.closest("[data-open]");
    if (button) open(button.dataset.open);
  });

  function apply() {
    const query = new URLSearchParams(filters());
    history.replaceState(null, "", query.toString() ? "?" + query : location.pathname);
    pages.go(1);
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  form.addEventListener("reset", () => setTimeout(apply));  // after the fields are cleared

  /* New calls show up on page 1, unless someone is listening to a recording there. */
  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      const listening = [...document.querySelectorAll("#rows audio")].some((a) => a.readyState > 0);
      if (pages.page === 1 && !listening) pages.reload();
    }, 1000);
  }

  async function choices() {
    if (!form.elements.trunk || (boot.user || {}).role !== "admin") return;
    const trunks = await api("GET", "/trunks");
    $("f-trunk").append(...trunks.items.map((x) => el("option", {value: x.id}, x.name)));
  }

  const asked = new URLSearchParams(location.search);
  choices().catch(() => {}).then(() => {
    for (const name of FILTERS) if (asked.get(name)) form.elements[name].value = asked.get(name);
    pages.go(1);
    if (asked.get("call")) open(asked.get("call"));
  });
  live({call_recorded: refresh, lost: refresh});
})();
