/* Blacklist: caller numbers whose calls from outside are refused (busy) or sent to the box's
   blacklist destination, however written; phones add them with *30N or *32 (the last caller)
   and take them off with *31N. */
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

  /* Administrators: what blacklisted callers get, for the whole box (a box setting). */
  const form = document.getElementById("bl-dest-form");
  if (form) {
    const {api, toast, clearErrors, showError, pageError, loadCatalogue, destinationPicker} = window.Callbox;
    let picker;
    const show = () => { document.getElementById("bl-dest-field").hidden = form.elements.mode.value === "busy"; };
    Promise.all([loadCatalogue(), api("GET", "/settings")]).then(([, settings]) => {
      const dest = settings.blacklist_destination;
      form.elements.mode.value = dest ? "destination" : "busy";
      picker = destinationPicker("blacklist_destination", dest || {kind: "voicemail", target: null});
      document.getElementById("bl-dest-picker").replaceChildren(picker);
      show();
    }, (err) => pageError(err.message));
    form.elements.mode.addEventListener("change", show);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const value = form.elements.mode.value === "busy" ? null : picker.value;
      try {
        await api("PATCH", "/settings", {blacklist_destination: value});
        toast(t("bl.dest.saved"));
      } catch (err) {
        showError(form, err);
      }
    });
  }
})();
