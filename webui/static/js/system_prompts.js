/* Prompts: everything the box and Asterisk say to callers, in each language; a recording of
   the owner's own takes any prompt's place at once, and "Reset" brings the stock one back. */
(function () {
  "use strict";
  const {t, el, api, toast, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const path = (p) => `/system-prompts/${$("language").value}/${p.name}`;
  let timer;

  function row(p) {
    const input = el("input", {type: "file", accept: ".wav,.mp3,audio/wav,audio/mpeg", class: "sr-only",
                               onchange: (e) => upload(p, e.target.files[0])});
    return el("tr", {"data-key": p.name},
      el("td", {class: "mono"}, p.name),
      el("td", {}, el("audio", {controls: true, preload: "none", src: "/api/v1" + path(p)})),
      el("td", {}, p.replaced ? el("span", {class: "tag tag-ok"}, t("sp.replaced")) : el("span", {class: "muted"}, t("sp.stock"))),
      el("td", {class: "col-actions"},
        el("label", {class: "btn btn-small"}, t("sp.upload"), input),
        p.replaced ? el("button", {class: "btn btn-small", type: "button", onclick: () => reset(p)}, t("sp.reset")) : ""));
  }

  async function load() {
    try {
      const q = encodeURIComponent($("filter").value.trim());
      const doc = await api("GET", `/system-prompts/${$("language").value}?q=${q}`);
      const items = $("only-replaced").checked ? doc.items.filter((p) => p.replaced) : doc.items;
      $("rows").replaceChildren(...items.map(row));
      $("empty").hidden = items.length > 0;
      $("more").hidden = doc.total <= doc.items.length;
      $("more").textContent = t("sp.more", {shown: doc.items.length, total: doc.total});
    } catch (err) {
      pageError(err.message);
    }
  }

  async function upload(p, file) {
    if (!file) return;
    try {
      await api("PUT", path(p), undefined, {raw: file, contentType: file.type || "application/octet-stream"});
      toast(t("sp.uploaded", {name: p.name}));
      await load();
    } catch (err) {
      pageError(err.message);
    }
  }

  async function reset(p) {
    try {
      await api("DELETE", path(p));
      toast(t("sp.was_reset", {name: p.name}));
      await load();
    } catch (err) {
      pageError(err.message);
    }
  }

  $("language").value = window.Callbox.boot.lang === "zh" ? "zh" : "en";
  $("language").addEventListener("change", load);
  $("only-replaced").addEventListener("change", load);
  $("filter").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  load();
})();
