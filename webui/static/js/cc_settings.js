/* Call-center settings: pause reasons (and their phone codes *46N), how long recordings are
   kept and how much disk they may use, and the business's CRM that screen pops ask. */
(function () {
  "use strict";
  const {t, el, api, crud, toast, clearErrors, showError, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  crud({
    path: "/pause-reasons",
    key: (r) => r.id,
    name: (r) => r.name,
    title: (r) => (r ? t("ccs.reason_edit", {name: r.name}) : t("ccs.reason_add")),
    deleteText: (r) => t("ccs.reason_delete", {name: r.name}),
    cells: (r) => [el("td", {}, r.name), el("td", {class: "mono"}, r.phone_code)],
    fill(form, r) {
      form.elements.name.value = r ? r.name : "";
      form.elements.code.value = r ? r.code : "";
    },
    body: (form) => ({name: form.elements.name.value.trim(), code: Number(form.elements.code.value)}),
  }).load();

  /* A form of settings: its inputs are named as the settings; numbers are sent as numbers. */
  function settingsForm(form) {
    const inputs = [...form.querySelectorAll("input[name], select[name]")];
    const fill = (doc) => { for (const input of inputs) input.value = doc[input.name]; };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = Object.fromEntries(inputs.map((input) =>
        [input.name, input.type === "number" ? Number(input.value) : input.value.trim()]));
      try {
        fill(await api("PATCH", "/settings", body));
        toast(t("ccs.saved"));
      } catch (err) {
        showError(form, err);
      }
    });
    return fill;
  }

  const forms = [settingsForm($("recording-form")), settingsForm($("call-data-form")), settingsForm($("language-form")),
    settingsForm($("lookup-form"))];
  api("GET", "/settings").then((doc) => forms.forEach((fill) => fill(doc)), (err) => pageError(err.message));
})();
