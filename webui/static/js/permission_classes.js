/* Permission classes: which kinds of outside numbers (by the reach of the outbound route
   pattern a number matches) an extension, or a queue calling back, may dial. Emergency numbers
   go out whatever the class; they are a box setting, changed here too. */
(function () {
  "use strict";
  const {t, el, api, crud, toast, clearErrors, showError, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const REACHES = ["local", "national", "international"];

  const page = crud({
    path: "/permission-classes",
    key: (c) => c.name,
    name: (c) => c.name,
    title: (c) => (c ? t("perm.edit_title", {name: c.name}) : t("perm.add_title")),
    deleteText: (c) => t("perm.delete_text", {name: c.name}),
    cells: (c) => [
      el("td", {class: "mono"}, c.name + (c.builtin ? " " + t("perm.builtin_mark") : "")),
      el("td", {}, c.reach.length ? c.reach.map((r) => t(`perm.reach.${r}`)).join(", ") : t("perm.internal_only")),
      el("td", {}, String(c.extensions)),
      el("td", {}, c.note || "")],
    fill(form, c) {
      form.elements.name.value = c ? c.name : "";
      form.elements.name.readOnly = !!c;
      for (const r of REACHES) {
        form.elements[`reach.${r}`].checked = c ? c.reach.includes(r) : false;
        form.elements[`reach.${r}`].disabled = !!(c && c.builtin);
      }
      form.elements.note.value = c && c.note ? c.note : "";
    },
    body(form) {
      return {name: form.elements.name.value.trim(),
              reach: REACHES.filter((r) => form.elements[`reach.${r}`].checked),
              note: form.elements.note.value.trim() || null};
    },
  });

  const emergency = $("emergency-form");
  async function loadEmergency() {
    const settings = await api("GET", "/settings");
    emergency.elements.emergency_numbers.value = settings.emergency_numbers.join(", ");
  }
  emergency.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(emergency);
    const numbers = emergency.elements.emergency_numbers.value.split(/[\s,]+/).filter(Boolean);
    try {
      await api("PATCH", "/settings", {emergency_numbers: numbers});
      toast(t("perm.emergency_saved"));
    } catch (err) {
      showError(emergency, err);
    }
  });

  page.load();
  loadEmergency().catch((err) => pageError(err.message));
})();
