/* Web callback settings: on or off, the websites allowed, the queues offered and the topics
   (each served by one of them), the request limits, the permission class numbers are checked
   against; the snippet to put on the website. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const form = $("webcall-form");
  const f = form.elements;

  const lines = (text) => text.split("\n").map((x) => x.trim()).filter(Boolean);

  function fill(doc) {
    f.enabled.checked = doc.enabled;
    f.origins.value = doc.origins.join("\n");
    f.topics.value = doc.topics.map((x) => `${x.name} = ${x.queue}`).join("\n");
    f.per_address.value = doc.per_address;
    f.per_number.value = doc.per_number;
    f.permission_class.value = doc.permission_class;
    for (const box of form.querySelectorAll("input[name=queue]")) box.checked = doc.queues.includes(box.value);
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      enabled: f.enabled.checked,
      origins: lines(f.origins.value),
      queues: [...form.querySelectorAll("input[name=queue]:checked")].map((x) => x.value),
      topics: lines(f.topics.value).map((line) => {
        const at = line.lastIndexOf("=");
        return at < 0 ? {name: line, queue: ""} : {name: line.slice(0, at).trim(), queue: line.slice(at + 1).trim()};
      }),
      per_address: Number(f.per_address.value),
      per_number: Number(f.per_number.value),
      permission_class: f.permission_class.value,
    };
    try {
      fill(await api("PATCH", "/webcall/settings", body));
      toast(t("wc.saved"));
    } catch (err) {
      showError(form, err);
    }
  });

  $("snippet").textContent = `<script src="${location.origin}/webcall.js" async></script>`;
  Promise.all([api("GET", "/webcall/settings"), api("GET", "/queues"), api("GET", "/permission-classes")])
    .then(([doc, queues, classes]) => {
      $("queue-choices").replaceChildren(...queues.items.map((q) => el("div", {}, el("label", {class: "check"},
        el("input", {type: "checkbox", name: "queue", value: q.number}), ` ${q.number} · ${q.name}`))));
      f.permission_class.replaceChildren(...classes.items.map((c) => el("option", {value: c.name}, c.name)));
      fill(doc);
    }, (err) => pageError(err.message));
})();
