/* Inbound routes: calls from outside, by the number dialled (DID) and the caller, to a destination. */
(function () {
  "use strict";
  const {t, el, crud, describe, destinationPicker, loadCatalogue, optional, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let destination;

  const page = crud({
    path: "/inbound-routes",
    key: (r) => r.id,
    name: (r) => r.name,
    title: (r) => (r ? t("in.edit_title", {name: r.name}) : t("in.add_title")),
    deleteText: (r) => t("in.delete_text", {name: r.name}),
    before: loadCatalogue,
    cells: (r) => [
      el("td", {}, r.name),
      el("td", {class: "mono"}, r.did || t("in.any")),
      el("td", {class: "mono"}, r.cid || t("in.any")),
      el("td", {}, describe(r.destination))],
    fill(form, r) {
      const f = form.elements;
      f.name.value = r ? r.name : "";
      f.did.value = r ? r.did || "" : "";
      f.cid.value = r ? r.cid || "" : "";
      f.language.value = r && r.language ? r.language : "";
      f.fax_detect.checked = Boolean(r && r.fax_detect);
      destination = destinationPicker("destination", r ? r.destination : null);
      $("destination").replaceChildren(destination);
    },
    body(form) {
      const f = form.elements;
      return {name: f.name.value.trim(), did: optional(f.did), cid: optional(f.cid), destination: destination.value,
              language: f.language.value || null, fax_detect: f.fax_detect.checked};
    },
  });

  loadCatalogue().then(page.load, (err) => pageError(err.message));
})();
