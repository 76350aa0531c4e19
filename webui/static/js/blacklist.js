/* Blacklist: caller numbers whose calls from outside are refused (busy), however written;
   phones add them with *30N or *32 (the last caller) and take them off with *31N. */
(function () {
  "use strict";
  const {t, el, crud, dateTime} = window.Callbox;

  const page = crud({
    path: "/blacklist",
    key: (e) => e.id,
    name: (e) => e.number,
    title: (e) => (e ? t("bl.edit_title", {number: e.number}) : t("bl.add_title")),
    deleteText: (e) => t("bl.delete_text", {number: e.number}),
    cells: (e) => [
      el("td", {class: "mono"}, e.number),
      el("td", {}, e.note || ""),
      el("td", {class: "muted"}, dateTime(e.created_at))],
    fill(form, e) {
      form.elements.number.value = e ? e.number : "";
      form.elements.note.value = e && e.note ? e.note : "";
    },
    body(form) {
      return {number: form.elements.number.value.trim(), note: form.elements.note.value.trim() || null};
    },
  });

  page.load();
})();
