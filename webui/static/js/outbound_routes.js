/* Outbound routes: which numbers phones may dial out, how each is rewritten (digits
   stripped, a prefix added) and the trunks tried in order. */
(function () {
  "use strict";
  const {t, el, api, crud, orderedList, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let trunks = [];
  let trunkList;

  const trunkName = (id) => (trunks.find((x) => x.id === id) || {name: `#${id}`}).name;

  const REACHES = ["local", "national", "international"];

  function patternRow(p) {
    const reach = el("select", {name: "reach", "aria-label": t("out.reach")},
      ...REACHES.map((r) => el("option", {value: r}, t(`perm.reach.${r}`))));
    reach.value = p.reach || "international";
    return el("tr", {class: "pattern-row"},
      el("td", {}, el("input", {name: "pattern", class: "mono", value: p.pattern, placeholder: "_0X.",
                                "aria-label": t("out.pattern")})),
      el("td", {}, el("input", {name: "strip", type: "number", min: 0, max: 20, value: p.strip,
                                "aria-label": t("out.strip")})),
      el("td", {}, el("input", {name: "prefix", class: "mono", value: p.prefix, "aria-label": t("out.prefix")})),
      el("td", {}, reach),
      el("td", {class: "col-actions"}, el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
        onclick: (e) => e.target.closest("tr").remove()}, t("common.delete"))));
  }

  $("add-pattern").addEventListener("click", () => $("patterns").append(patternRow({pattern: "", strip: 0, prefix: ""})));

  const page = crud({
    path: "/outbound-routes",
    key: (r) => r.id,
    name: (r) => r.name,
    title: (r) => (r ? t("out.edit_title", {name: r.name}) : t("out.add_title")),
    deleteText: (r) => t("out.delete_text", {name: r.name}),
    async before() { trunks = (await api("GET", "/trunks")).items; },
    cells: (r) => [
      el("td", {}, r.name),
      el("td", {class: "mono"}, r.patterns.map((p) => p.pattern).join("  ")),
      el("td", {}, r.trunks.map(trunkName).join(" → "))],
    fill(form, r) {
      form.elements.name.value = r ? r.name : "";
      const patterns = r ? r.patterns : [{pattern: "", strip: 0, prefix: ""}];
      $("patterns").replaceChildren(...patterns.map(patternRow));
      trunkList = orderedList("trunks", trunks.map((x) => [String(x.id), x.name]), r ? r.trunks : []);
      $("trunks").replaceChildren(trunkList);
    },
    body(form) {
      const patterns = [...$("patterns").querySelectorAll("tr")].map((tr) => ({
        pattern: tr.querySelector("[name=pattern]").value.trim(),
        strip: Number(tr.querySelector("[name=strip]").value || 0),
        prefix: tr.querySelector("[name=prefix]").value.trim(),
        reach: tr.querySelector("[name=reach]").value}));
      return {name: form.elements.name.value.trim(), patterns, trunks: trunkList.value.map(Number)};
    },
  });

  api("GET", "/trunks").then((doc) => { trunks = doc.items; page.load(); }, (err) => pageError(err.message));
})();
