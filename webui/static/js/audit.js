/* Audit log: every change to the box, newest first, paged; who, what, when, whether the
   PBX took it, and what each change did (secrets show only that they changed). */
(function () {
  "use strict";
  const {t, el, api, pageError, dateTime, pager} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const PER_PAGE = 50;
  let actor = "";

  const shown = (value) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

  function changeLines(row) {
    if (row.op === "update") {
      return Object.entries(row.changes).map(([key, c]) =>
        el("li", {}, el("span", {class: "mono"}, key), `: ${shown(c.from)} → ${shown(c.to)}`));
    }
    return Object.entries(row.changes || {}).map(([key, value]) =>
      el("li", {}, el("span", {class: "mono"}, key), ` = ${shown(value)}`));
  }

  function details(entry) {
    if (!entry.rows.length && !entry.error) return "—";
    return el("details", {},
      el("summary", {}, t("audit.rows", {n: entry.rows.length})),
      entry.error ? el("p", {class: "field-error"}, entry.error) : null,
      ...entry.rows.map((row) => el("div", {class: "audit-row"},
        el("strong", {}, t("audit.op." + row.op, {table: row.table})),
        el("ul", {class: "audit-changes"}, ...changeLines(row)))));
  }

  function row(entry) {
    return el("tr", {dataset: {revision: entry.revision}},
      el("td", {class: "nowrap"}, dateTime(entry.at)),
      el("td", {}, el("strong", {}, entry.actor)),
      el("td", {class: "mono"}, entry.action),
      el("td", {}, entry.target || "—"),
      el("td", {}, el("span", {class: "tag", dataset: {status: entry.status}}, t("audit.status." + entry.status))),
      el("td", {}, details(entry)));
  }

  async function load(page) {
    const query = new URLSearchParams({page, per_page: PER_PAGE});
    if (actor) query.set("actor", actor);
    let doc;
    try {
      doc = await api("GET", "/audit?" + query);
    } catch (err) {
      pageError(err.message);
      return undefined;
    }
    $("rows").replaceChildren(...doc.items.map(row));
    $("empty").hidden = doc.items.length > 0;
    $("summary").textContent = t("audit.total", {n: doc.total});
    return doc.total;
  }

  const pages = pager(PER_PAGE, load);
  $("filter").addEventListener("submit", (e) => {
    e.preventDefault();
    actor = $("actor").value.trim();
    pages.go(1);
  });
  pages.go(1);
})();
