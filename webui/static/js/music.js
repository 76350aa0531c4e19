/* Music on hold: collections of tracks that queues play to waiting callers. Administrators
   add collections and tracks (WAV or MP3, converted on the box) and delete what no queue plays. */
(function () {
  "use strict";
  const {boot, t, el, api, toast, clearErrors, showError, pageError, confirmDialog, clock} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const admin = boot.user.role === "admin";

  const usedBy = (numbers) => (numbers.length ? t("moh.used_by", {queues: numbers.join(", ")}) : t("moh.unused"));

  function uploadForm(m) {
    const form = el("form", {class: "upload-row", novalidate: true},
      el("label", {class: "field"}, el("span", {class: "label"}, t("moh.title")),
         el("input", {name: "title", maxlength: 80, autocomplete: "off", required: true}),
         el("span", {class: "field-error", dataset: {errorFor: "title"}, hidden: true})),
      el("label", {class: "field"}, el("span", {class: "label"}, t("moh.file")),
         el("input", {name: "file", type: "file", accept: ".wav,.mp3,audio/wav,audio/mpeg", required: true}),
         el("span", {class: "field-error", dataset: {errorFor: "file"}, hidden: true})),
      el("button", {class: "btn btn-primary", type: "submit"}, t("moh.upload")),
      el("div", {class: "alert alert-error", dataset: {errorFor: ""}, hidden: true}));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const file = form.elements.file.files[0];
      if (!file) { showError(form, {field: "file", message: t("moh.choose")}); return; }
      const data = new FormData();
      data.append("title", form.elements.title.value.trim());
      data.append("file", file);
      const submit = form.querySelector("[type=submit]");
      submit.disabled = true;
      submit.textContent = t("moh.uploading");
      try {
        await api("POST", `/music/${encodeURIComponent(m.name)}/tracks`, undefined, {form: data});
        toast(t("moh.added", {title: form.elements.title.value.trim()}));
        load();
      } catch (err) {
        showError(form, err);
        submit.disabled = false;
        submit.textContent = t("moh.upload");
      }
    });
    return form;
  }

  async function remove(title, text, path, done) {
    pageError("");
    if (!await confirmDialog(title, text, t("common.delete"))) return;
    try {
      await api("DELETE", path);
      toast(done);
      load();
    } catch (err) {
      pageError(err.message);  // a collection a queue plays: the API says which
    }
  }

  function collection(m) {
    const base = `/music/${encodeURIComponent(m.name)}`;
    return el("section", {class: "card", dataset: {music: m.name}},
      el("div", {class: "card-head"},
        el("h2", {class: "mono"}, m.name),
        admin ? el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () =>
          remove(t("crud.delete_title", {name: m.name}), t("moh.delete_text", {name: m.name}), base,
                 t("crud.deleted", {name: m.name}))}, t("common.delete")) : null),
      el("p", {class: "small used-by"}, usedBy(m.used_by)),
      m.tracks.length ? el("table", {class: "table compact"},
        el("thead", {}, el("tr", {}, el("th", {}, t("moh.title")), el("th", {}, t("moh.length")), el("th", {}))),
        el("tbody", {}, ...m.tracks.map((track) => el("tr", {dataset: {track: track.id}},
          el("td", {}, track.title), el("td", {class: "mono"}, clock(track.duration)),
          el("td", {class: "col-actions"}, admin ? el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
            onclick: () => remove(t("crud.delete_title", {name: track.title}), t("moh.track_delete_text", {title: track.title, name: m.name}),
                                  `${base}/tracks/${track.id}`, t("crud.deleted", {name: track.title}))}, t("common.delete")) : null)))))
        : el("p", {class: "muted"}, t("moh.no_tracks")),
      admin ? uploadForm(m) : null);
  }

  async function load() {
    let music, queues;
    try {
      [music, queues] = await Promise.all([api("GET", "/music"), api("GET", "/queues")]);
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("collections").replaceChildren(...music.items.map(collection));
    $("empty").hidden = music.items.length > 0;
    $("default-used").textContent = usedBy(queues.items.filter((q) => q.music === "default").map((q) => q.number));
  }

  const form = $("new-form");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        const made = await api("POST", "/music", {name: form.elements.name.value.trim()});
        form.reset();
        toast(t("crud.saved", {name: made.name}));
        load();
      } catch (err) {
        showError(form, err);
      }
    });
  }
  load();
})();
