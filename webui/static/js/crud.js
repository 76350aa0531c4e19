/* A config resource's page: its table, one dialog to add and to edit, deletes confirmed,
   refusals (a 409 "in use by ...") shown atop the page. The page gives the cells and
   how the form maps to the API's body; every check is the API's. Also a CSV import dialog. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError, confirmDialog} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  /* spec: path (the API collection), key(item) (its id in the path), name(item) (in messages),
     cells(item) -> [td, ...], fill(form, item or null), body(form, item or null) -> JSON,
     title(item or null), deleteText(item); optional: before() (async, before the dialog opens),
     actions(item) -> [button, ...] (beside Edit and Delete), loaded(items, doc); edit(item or null) to
     edit elsewhere than in the dialog (then fill, body and title are not needed); query() -> the
     list's query string (a search, a page); editable: false (nothing changes here: no Add, Edit,
     Delete) and deletable: false (no Delete) for those whose role may not.
     The page has #add, #rows, #empty and (without edit) #edit-dialog, a form with a .dialog-title;
     with prefix "p" they are #p-add, #p-rows, #p-empty and #p-edit-dialog (two lists on a page). */
  function crud(spec) {
    const part = (id) => $(spec.prefix ? `${spec.prefix}-${id}` : id);
    const editable = spec.editable !== false;
    const deletable = editable && spec.deletable !== false;
    const dialog = spec.edit || !editable ? null : part("edit-dialog");
    const form = dialog && dialog.querySelector("form");
    const edit = spec.edit || open;
    let editing = null;
    let items = [];

    function row(item) {
      return el("tr", {dataset: {key: spec.key(item)}}, ...spec.cells(item),
        el("td", {class: "col-actions"}, ...(spec.actions ? spec.actions(item) : []),
          editable && el("button", {type: "button", class: "btn btn-small", onclick: () => edit(item)}, t("common.edit")),
          deletable && el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => remove(item)},
                          t("common.delete"))));
    }

    async function load() {
      let doc;
      try {
        doc = await api("GET", spec.path + (spec.query ? spec.query() : ""));
      } catch (err) {
        pageError(err.message);
        return items;
      }
      items = doc.items;
      part("rows").replaceChildren(...items.map(row));
      part("empty").hidden = items.length > 0;
      if (spec.loaded) spec.loaded(items, doc);
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

    if (editable) part("add").addEventListener("click", () => edit(null));
    return {load, row, items: () => items};
  }

  /* The CSV import dialog (views/import.tpl), opened by #import: the file goes to `path` as the body;
     the summary (summaryKey, with {created} and {bad}) and the refused lines are shown; done() after. */
  function csvImport(path, summaryKey, done) {
    const dialog = $("import-dialog");
    const form = $("import-form");

    function show(created, problems) {
      const summary = $("import-summary");
      summary.className = "alert " + (problems.length ? (created ? "alert-warn" : "alert-error") : "alert-ok");
      summary.textContent = t(summaryKey, {created, bad: problems.length});
      const table = $("import-errors");
      table.tBodies[0].replaceChildren(...problems.map((p) =>
        el("tr", {dataset: {line: p.line}}, el("td", {class: "mono"}, p.line), el("td", {class: "mono"}, p.field || "—"),
           el("td", {}, p.error))));
      table.hidden = !problems.length;
      $("import-result").hidden = false;
    }

    $("import").addEventListener("click", () => {
      form.reset();
      clearErrors(form);
      $("import-result").hidden = true;
      dialog.showModal();
    });

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const file = form.elements.file.files[0];
      if (!file) { showError(form, {message: t("ext.imp.choose")}); return; }
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      try {
        const doc = await api("POST", path, undefined, {raw: await file.text(), contentType: "text/csv"});
        show(doc.created.length, doc.errors);
        done();
      } catch (err) {
        if (err.doc.errors) show(0, err.doc.errors);
        else showError(form, err);
      } finally {
        submit.disabled = false;
      }
    });
  }

  Object.assign(window.Callbox, {crud, csvImport});
})();
