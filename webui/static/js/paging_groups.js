/* Page groups: dialling the group's number makes every member's phone answer by itself and
   play what the caller says; one-way (members only listen) unless duplex. */
(function () {
  "use strict";
  const {t, el, crud, orderedList, extensionChoices, loadCatalogue, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let members;

  const page = crud({
    path: "/paging-groups",
    key: (g) => g.number,
    name: (g) => `${g.number} ${g.name}`,
    title: (g) => (g ? t("pg.edit_title", {number: g.number}) : t("pg.add_title")),
    deleteText: (g) => t("pg.delete_text", {name: g.name}),
    before: () => loadCatalogue(["extensions"]),
    cells: (g) => [
      el("td", {class: "mono"}, g.number),
      el("td", {}, g.name),
      el("td", {class: "mono"}, g.members.join(", ")),
      el("td", {}, t(g.duplex ? "pg.mode.duplex" : "pg.mode.oneway"))],
    fill(form, g) {
      const f = form.elements;
      f.number.value = g ? g.number : "";
      f.number.readOnly = !!g;
      f.name.value = g ? g.name : "";
      f.duplex.checked = g ? g.duplex : false;
      members = orderedList("members", extensionChoices(), g ? g.members : []);
      $("members").replaceChildren(members);
    },
    body(form, g) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), members: members.value, duplex: f.duplex.checked};
      if (!g) body.number = f.number.value.trim();
      return body;
    },
  });

  loadCatalogue(["extensions"]).then(page.load, (err) => pageError(err.message));
})();
