/* Speed dials: *0NN on any phone dials the number as if the phone had dialled it itself
   (the phone's own permissions apply). */
(function () {
  "use strict";
  const {t, el, crud} = window.Callbox;

  const page = crud({
    path: "/speed-dials",
    key: (s) => s.code,
    name: (s) => s.dial,
    title: (s) => (s ? t("sd.edit_title", {dial: s.dial}) : t("sd.add_title")),
    deleteText: (s) => t("sd.delete_text", {dial: s.dial, number: s.number}),
    cells: (s) => [
      el("td", {class: "mono"}, s.dial),
      el("td", {class: "mono"}, s.number),
      el("td", {}, s.name || "")],
    fill(form, s) {
      const f = form.elements;
      f.code.value = s ? s.code : "";
      f.code.readOnly = !!s;
      f.number.value = s ? s.number : "";
      f.name.value = s && s.name ? s.name : "";
    },
    body(form, s) {
      const f = form.elements;
      const body = {number: f.number.value.trim(), name: f.name.value.trim() || null};
      if (!s) body.code = f.code.value.trim();
      return body;
    },
  });

  page.load();
})();
