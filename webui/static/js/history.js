/* Call history: every queue call, newest first, filtered by queue, agent, day and outcome,
   a page at a time: who called (and which customer that is), the wait, who answered, the
   talk, the outcome, the survey score, the notes; recordings play in the page and download.
   Page 1 follows new calls as they end (unless a recording is being listened to). */
(function () {
  "use strict";
  const {t, el, api, live, clearErrors, showError, duration, dateTime, pager, callable} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const PER_PAGE = 50;
  const FILTERS = ["queue", "agent", "outcome", "from", "to"];
  const form = $("filter");
  let refreshTimer = null;

  function filters() {
    const out = {};
    for (const name of FILTERS) if (form.elements[name].value) out[name] = form.elements[name].value;
    return out;
  }

  function recording(c) {
    if (c.recording_available) {
      const src = `/api/v1/recordings/${encodeURIComponent(c.id)}`;
      return el("div", {class: "player"},
        el("audio", {controls: true, preload: "none", src}),
        el("a", {class: "small", href: src + "?download=1", download: `call-${c.id}.wav`}, t("hist.download")));
    }
    return c.recording ? el("span", {class: "muted small"}, t("hist.recording_gone")) : "—";
  }

  function row(c) {
    return el("tr", {dataset: {call: c.id, outcome: c.outcome}},
      el("td", {class: "nowrap"}, dateTime(c.entered_at)),
      el("td", {}, el("div", {class: "mono"}, callable(c.caller)),
         c.customer ? el("div", {class: "muted small customer"}, c.customer) : null),
      el("td", {class: "mono"}, c.queue),
      el("td", {}, duration(c.wait)),
      el("td", {class: "mono"}, c.agent || "—"),
      el("td", {class: "talk"}, duration(c.talk)),
      el("td", {}, el("span", {class: "tag", dataset: {outcome: c.outcome}}, t("hist.outcome." + c.outcome))),
      el("td", {}, c.survey ?? "—"),
      el("td", {class: "notes clip", title: c.notes || ""}, c.notes || ""),
      el("td", {}, recording(c)));
  }

  async function load(page) {
    clearErrors(form);
    let doc;
    try {
      doc = await api("GET", "/history?" + new URLSearchParams({page, per_page: PER_PAGE, ...filters()}));
    } catch (err) {
      showError(form, err);
      return undefined;
    }
    $("rows").replaceChildren(...doc.items.map(row));
    $("empty").hidden = doc.items.length > 0;
    $("summary").textContent = t("hist.total", {n: doc.total});
    return doc.total;
  }

  const pages = pager(PER_PAGE, load);

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
    const [queues, agents, exts] = await Promise.all([api("GET", "/queues"), api("GET", "/agents"),
                                                      api("GET", "/extensions?per_page=1000")]);
    const names = new Map(exts.items.map((x) => [x.number, x.name]));
    $("f-queue").append(...queues.items.map((q) => el("option", {value: q.number}, `${q.number} · ${q.name}`)));
    $("f-agent").append(...agents.items.map((a) => el("option", {value: a.extension},
      names.has(a.extension) ? `${a.extension} · ${names.get(a.extension)}` : a.extension)));
  }

  const asked = new URLSearchParams(location.search);
  choices().catch(() => {}).then(() => {
    for (const name of FILTERS) if (asked.get(name)) form.elements[name].value = asked.get(name);
    pages.go(1);
  });
  live({queue_stats: refresh, lost: refresh});
})();
