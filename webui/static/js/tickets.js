/* Tickets: open ones nearest their deadline (or past it) first, then the newest; searched and
   filtered; a new ticket from any channel. Department users see their department's only. */
(function () {
  "use strict";
  const {t, el, api, pager, pageError, dateTime, newTicket} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const PER_PAGE = 50;
  const filter = $("filter");
  let total = 0;

  function params() {
    const f = filter.elements;
    const p = {page: pages.page, per_page: PER_PAGE};
    if (f.q.value.trim()) p.q = f.q.value.trim();
    if (f.status.value) p.status = f.status.value;
    if (f.department && f.department.value) p.department = f.department.value;
    if (f.overdue.checked) p.overdue = "1";
    return p;
  }

  function deadline(x) {
    if (!x.deadline) return "—";
    const state = x.overdue ? "overdue" : x.due_soon ? "due_soon" : "";
    return el("span", {class: state ? "tag" : "", dataset: {deadline: state}},
              dateTime(x.deadline) + (state ? " · " + t("tk." + state) : ""));
  }

  function row(x) {
    return el("tr", {dataset: {number: x.number}, class: x.overdue ? "row-alert" : ""},
      el("td", {class: "mono nowrap"}, el("a", {href: `/tickets/${encodeURIComponent(x.number)}`}, x.number)),
      el("td", {}, el("strong", {}, x.summary), x.category_path ? el("div", {class: "muted small"}, x.category_path) : ""),
      el("td", {}, t("tk.kind." + x.kind) === "tk.kind." + x.kind ? x.kind : t("tk.kind." + x.kind)),
      el("td", {class: "mono"}, x.caller || "—"),
      el("td", {}, x.department_name || "—"),
      el("td", {}, t("tk.priority." + x.priority)),
      el("td", {class: "nowrap"}, deadline(x)),
      el("td", {}, el("span", {class: "tag", dataset: {status: x.status}}, t("tk.status." + x.status))));
  }

  async function load() {
    pageError("");
    const query = params();
    const {page, per_page, ...shown} = query;
    if ($("export")) $("export").href = "/api/v1/tickets/export?" + new URLSearchParams(shown);
    let doc;
    try {
      doc = await api("GET", "/tickets?" + new URLSearchParams(query));
    } catch (err) {
      pageError(err.message);
      return undefined;
    }
    total = doc.total;
    $("rows").replaceChildren(...doc.items.map(row));
    $("empty").hidden = doc.items.length > 0;
    $("summary").textContent = t("tk.total", {n: total});
    return total;
  }

  const pages = pager(PER_PAGE, load);
  let timer;
  filter.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => pages.go(1), 250); });
  filter.addEventListener("submit", (e) => { e.preventDefault(); pages.go(1); });
  filter.addEventListener("reset", () => setTimeout(() => pages.go(1)));
  if ($("add")) $("add").addEventListener("click", () => newTicket(null, (x) => { location.href = `/tickets/${x.number}`; }));
  if ($("f-department")) {
    api("GET", "/departments").then((doc) => $("f-department").append(
      ...doc.items.map((d) => el("option", {value: d.id}, d.name)))).catch((err) => pageError(err.message));
  }
  if (new URLSearchParams(location.search).get("overdue") === "1") filter.elements.overdue.checked = true;
  pages.go(1);

  /* The report: tickets of a period by kind, category, department or status, and their timeliness. */
  const report = $("report-form");
  if (report) {
    const {clearErrors, showError} = window.Callbox;
    const COLUMNS = ["tickets", "open", "answered", "on_time", "late", "overdue", "timeliness", "avg_hours_to_answer"];
    const name = (by, r) => {
      if (r.key === null) return t("tk.report_none." + by);
      if (by === "kind" || by === "status") {
        const key = (by === "kind" ? "tk.kind." : "tk.status.") + r.key;
        return t(key) === key ? r.key : t(key);
      }
      return r.name || String(r.key);
    };
    const cells = (r) => COLUMNS.map((c) => el("td", {class: "num"}, r[c] === null || r[c] === undefined ? "—" : String(r[c])));
    const show = async () => {
      clearErrors(report);
      const f = report.elements;
      const query = new URLSearchParams({from: f.from.value, to: f.to.value, by: f.by.value});
      for (const kind of ["csv", "xlsx"]) $("report-" + kind).href = `/api/v1/tickets/report?${query}&format=${kind}`;
      try {
        const doc = await api("GET", "/tickets/report?" + query);
        $("report-rows").replaceChildren(...doc.rows.map((r) => el("tr", {dataset: {key: String(r.key)}},
          el("td", {}, name(doc.by, r)), ...cells(r))),
          el("tr", {class: "total"}, el("th", {}, t("tk.report_total")), ...cells(doc.totals)));
      } catch (err) {
        showError(report, err);
      }
    };
    const today = new Date();
    const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    report.elements.to.value = iso(today);
    report.elements.from.value = iso(new Date(today.getFullYear(), today.getMonth(), 1));
    report.addEventListener("submit", (e) => { e.preventDefault(); show(); });
    show();
  }
})();
