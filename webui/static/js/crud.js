/* A config resource's page: its table, one dialog to add and to edit, deletes confirmed,
   refusals (a 409 "in use by ...") shown atop the page. The page gives the cells and
   how the form maps to the API's body; every check is the API's. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError, confirmDialog} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  /* spec: path (the API collection), key(item) (its id in the path), name(item) (in messages),
     cells(item) -> [td, ...], fill(form, item or null), body(form, item or null) -> JSON,
     title(item or null), deleteText(item); optional: before() (async, before the dialog opens),
     actions(item) -> [button, ...] (beside Edit and Delete), loaded(items); edit(item or null) to
     edit elsewhere than in the dialog (then fill, body and title are not needed).
     The page has #add, #rows, #empty and (without edit) #edit-dialog, a form with a .dialog-title. */
  function crud(spec) {
    const dialog = spec.edit ? null : $("edit-dialog");
    const form = dialog && dialog.querySelector("form");
    const edit = spec.edit || open;
    let editing = null;
    let items = [];

    function row(item) {
      return el("tr", {dataset: {key: spec.key(item)}}, ...spec.cells(item),
        el("td", {class: "col-actions"}, ...(spec.actions ? spec.actions(item) : []),
          el("button", {type: "button", class: "btn btn-small", onclick: () => edit(item)}, t("common.edit")),
          el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => remove(item)},
             t("common.delete"))));
    }

    async function load() {
      try {
        items = (await api("GET", spec.path)).items;
      } catch (err) {
        pageError(err.message);
        return items;
      }
      $("rows").replaceChildren(...items.map(row));
      $("empty").hidden = items.length > 0;
      if (spec.loaded) spec.loaded(items);
      return items;
    }

    async function open(item) {
      pageError("");
      try {
        if (spec.before) await spec.before();
      } catch (err) {
        pageError(err.message);
        return;
      }
      editing = item || null;
      form.reset();
      clearErrors(form);
      dialog.classList.toggle("editing", !!editing);
      dialog.querySelector(".dialog-title").textContent = spec.title(editing);
      spec.fill(form, editing);
      dialog.showModal();
    }

    const itemPath = (item) => `${spec.path}/${encodeURIComponent(spec.key(item))}`;

    if (form) form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      try {
        const body = spec.body(form, editing);
        const saved = editing ? await api("PATCH", itemPath(editing), body) : await api("POST", spec.path, body);
        dialog.close();
        toast(t("crud.saved", {name: spec.name(saved)}));
        load();
      } catch (err) {
        showError(form, err);
      } finally {
        submit.disabled = false;
      }
    });

    async function remove(item) {
      pageError("");
      const ok = await confirmDialog(t("crud.delete_title", {name: spec.name(item)}), spec.deleteText(item),
                                     t("common.delete"));
      if (!ok) return;
      try {
        await api("DELETE", itemPath(item));
        toast(t("crud.deleted", {name: spec.name(item)}));
        load();
      } catch (err) {
        pageError(err.message);
      }
    }

    $("add").addEventListener("click", () => edit(null));
    return {load, row, items: () => items};
  }

  window.Callbox.crud = crud;
})();
