/* Reports: any report over days as a table with its definitions and CSV/XLSX downloads, and the
   box's traffic at a glance in charts drawn from the same API: inbound outcomes and call types
   (pies), calls per period (bars) and the last twelve months (trend lines). The table is read a page
   at a time (a month of the survey by day can be 100,000 rows); the totals and downloads are all rows'. */
(function () {
  "use strict";
  const {t, el, api, clearErrors, showError, pager} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const form = $("report-form");
  const charts = {};
  const PER_PAGE = 200;
  const COLORS = {inbound: "#2f6fb3", outbound: "#3a9d5d", internal: "#b7791f", answered: "#3a9d5d", lost: "#c2410c"};

  function iso(d) {
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }

  function chosen() {
    const f = form.elements;
    const out = {from: f.from.value, to: f.to.value, by: f.by.value};
    if (f.report.value === "queues") out.short_abandon = f.short_abandon.value;
    return out;
  }

  function label(key) {
    const text = t("rep.col." + key);
    return text === "rep.col." + key ? key : text;
  }

  /* The API's definitions are English; the catalogue has them in the page's language. */
  function definition(report, key, text) {
    for (const k of [`rep.def.${report}.${key}`, `rep.def.${key}`]) {
      const found = t(k);
      if (found !== k) return found;
    }
    return text;
  }

  function cell(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k || "—"}: ${v}`).join("; ") || "—";
    return String(value);
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({animation: false, responsive: true, maintainAspectRatio: false}, config.options);
    charts[id] = new window.Chart($(id), config);
  }

  function table(doc) {
    const columns = [];
    for (const row of doc.rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
    if (!columns.length) columns.push("period", ...Object.keys(doc.totals));
    $("table-title").textContent = t("rep.name." + doc.name);
    $("head").replaceChildren(...columns.map((c) => el("th", {title: c in doc.definitions ? definition(doc.name, c, doc.definitions[c]) : ""}, label(c))));
    $("rows").replaceChildren(...doc.rows.map((row) => el("tr", {},
      ...columns.map((c) => el("td", {dataset: {col: c}}, cell(row[c]))))));
    $("totals").replaceChildren(...columns.map((c, i) => el("th", {dataset: {col: c}},
      i === 0 ? t("rep.total") : (c in doc.totals ? cell(doc.totals[c]) : ""))));
    $("empty").hidden = doc.rows.length > 0;
    $("definitions").replaceChildren(...Object.entries(doc.definitions).flatMap(([k, text]) =>
      [el("dt", {}, label(k)), el("dd", {}, definition(doc.name, k, text))]));
  }

  function exports(name, params) {
    const query = new URLSearchParams(params);
    for (const kind of ["csv", "xlsx"]) {
      query.set("format", kind);
      $("export-" + kind).href = `/api/v1/reports/${encodeURIComponent(name)}?${query}`;
    }
  }

  function trafficCharts(doc, trend) {
    const tot = doc.totals;
    draw("chart-outcomes", {type: "pie", data: {labels: [t("rep.col.answered"), t("rep.col.lost")],
      datasets: [{data: [tot.answered, tot.lost], backgroundColor: [COLORS.answered, COLORS.lost]}]}});
    const kinds = ["inbound", "outbound", "internal"];
    draw("chart-types", {type: "pie", data: {labels: kinds.map(label),
      datasets: [{data: kinds.map((k) => tot[k]), backgroundColor: kinds.map((k) => COLORS[k])}]}});
    draw("chart-periods", {type: "bar", data: {labels: doc.rows.map((r) => r.period),
      datasets: kinds.map((k) => ({label: label(k), data: doc.rows.map((r) => r[k]), backgroundColor: COLORS[k]}))},
      options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}});
    draw("chart-trend", {type: "line", data: {labels: trend.rows.map((r) => r.period), datasets: [
      {label: label("offered"), data: trend.rows.map((r) => r.offered), borderColor: COLORS.inbound},
      {label: label("answered"), data: trend.rows.map((r) => r.answered), borderColor: COLORS.answered},
      {label: label("lost"), data: trend.rows.map((r) => r.lost), borderColor: COLORS.lost}]},
      options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  }

  /* Page 1 shows the report chosen in the form (and its charts); the next pages, more of its rows. */
  let shown = null;

  async function load(page) {
    clearErrors(form);
    if (page === 1 || !shown) shown = {name: form.elements.report.value, params: chosen()};
    const {name, params} = shown;
    $("short-abandon-field").hidden = form.elements.report.value !== "queues";
    const end = new Date(params.to + "T00:00:00");
    const yearAgo = iso(new Date(end.getFullYear(), end.getMonth() - 11, 1));
    try {
      const query = new URLSearchParams({...params, page, per_page: PER_PAGE});
      const doc = await api("GET", `/reports/${encodeURIComponent(name)}?${query}`);
      if (page === 1) {
        const traffic = await api("GET", "/reports/traffic?" + new URLSearchParams({from: params.from, to: params.to, by: params.by}));
        const trend = await api("GET", "/reports/traffic?" + new URLSearchParams({from: yearAgo, to: params.to, by: "month"}));
        exports(name, params);
        trafficCharts(traffic, trend);
      }
      table(doc);
      $("report-pager").hidden = doc.total_rows <= PER_PAGE;
      document.body.dataset.report = `${name} ${params.from} ${params.to} ${params.by}`;
      return doc.total_rows;
    } catch (err) {
      showError(form, err);
      return undefined;
    }
  }

  const pages = pager(PER_PAGE, load);

  const today = new Date();
  form.elements.to.value = iso(today);
  form.elements.from.value = iso(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6));
  form.elements.report.addEventListener("change", () => {
    $("short-abandon-field").hidden = form.elements.report.value !== "queues";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    pages.go(1);
  });
  pages.go(1);
}());
