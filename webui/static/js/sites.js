/* Sites: at headquarters every branch (how the other sites dial it, state by its tunnel, last seen,
   whether its trunk answers, version, phones, the upgrade pushed to it), a new branch's one-time code,
   revoking, the update bundle for the branches and pushing it; at a branch, enrolling with
   headquarters' code. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError, confirmDialog, dateTime, splitList} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const dialog = $("edit-dialog");
  const form = dialog.querySelector("form");
  const enrolForm = $("enrol-form");
  const REFRESH_MS = 5000;

  let bundle = null;  // the update bundle offered to branches, if one was uploaded

  function row(s) {
    const revoke = el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => remove(s)},
                      t("sites.revoke"));
    const push = el("button", {type: "button", class: "btn btn-small", onclick: () => pushUpdate(s),
                               disabled: !bundle || s.state === "pending"}, t("sites.upd.push"));
    return el("tr", {dataset: {key: s.id}},
      el("td", {class: "mono"}, String(s.number)), el("td", {}, s.name), el("td", {class: "mono"}, s.extensions),
      el("td", {class: "mono"}, dialled(s)),
      el("td", {}, el("span", {class: "status-pill", dataset: {state: s.state === "up" ? "ok" : s.state === "down" ?
        "degraded" : ""}}, t("sites.state." + s.state))),
      el("td", {class: "mono"}, s.tunnel_address),
      el("td", {class: "muted"}, s.last_seen ? dateTime(s.last_seen) : "—"),
      el("td", {}, trunk(s.trunk_reachable)),
      el("td", {}, s.version || "—"),
      el("td", {}, s.phones_registered === null ? "—" : String(s.phones_registered)),
      el("td", {}, pushed(s.update)),
      el("td", {class: "col-actions"}, push, revoke));
  }

  // The upgrade last pushed to a branch, as the branch reports it.
  const PUSH_PILL = {installed: "ok", failed: "degraded", rolled_back: "degraded"};
  function pushed(u) {
    if (!u) return "—";
    return el("span", {class: "status-pill", title: u.message || "", dataset: {state: PUSH_PILL[u.state] || ""}},
              t("sites.upd.state." + u.state));
  }

  async function loadBundle() {
    try {
      bundle = await api("GET", "/sites/update-bundle");
    } catch (err) {
      if (err.status !== 404) { pageError(err.message); return; }
      bundle = null;
    }
    $("upd-bundle").textContent = bundle ? t("sites.upd.current", {sha: bundle.sha256.slice(0, 16),
      size: (bundle.size / 1048576).toFixed(1), when: dateTime(new Date(bundle.uploaded_at * 1000).toISOString())}) :
      t("sites.upd.none");
  }

  $("upd-upload").addEventListener("click", async () => {
    const file = $("upd-file").files[0];
    $("upd-error").hidden = true;
    if (!file) { $("upd-error").textContent = t("sites.upd.need_file"); $("upd-error").hidden = false; return; }
    const button = $("upd-upload");
    button.disabled = true;
    try {
      await api("POST", "/sites/update-bundle", undefined, {raw: file, contentType: "application/octet-stream"});
      toast(t("sites.upd.uploaded"));
      await loadBundle();
      load();
    } catch (err) {
      $("upd-error").textContent = err.message;
      $("upd-error").hidden = false;
    } finally { button.disabled = false; }
  });

  async function pushUpdate(s) {
    const ok = await confirmDialog(t("sites.upd.push_title", {name: s.name}), t("sites.upd.push_text", {name: s.name}),
                                   t("sites.upd.push"));
    if (!ok) return;
    try {
      await api("POST", `/sites/${s.id}/update`);
      toast(t("sites.upd.pushed", {name: s.name}));
      load();
    } catch (err) { pageError(err.message); }
  }

  // How the other sites dial the site's first extension: with its prefix, and plainly unless its
  // range overlaps another branch's.
  function dialled(s) {
    const vars = {prefix: s.prefix, example: s.extensions.split("-")[0]};
    return t(s.short_numbers ? "sites.dialled.both" : "sites.dialled.prefix_only", vars);
  }

  // Whether the inter-site trunk answers its qualify (null: not enrolled, or not known yet).
  function trunk(reachable) {
    if (reachable === null || reachable === undefined) return "—";
    return el("span", {class: "status-pill", dataset: {state: reachable ? "ok" : "degraded"}},
              t(reachable ? "sites.trunk.up" : "sites.trunk.down"));
  }

  async function load() {
    try {
      const doc = await api("GET", "/sites");
      $("rows").replaceChildren(...doc.items.map(row));
      $("empty").hidden = doc.items.length > 0;
    } catch (err) { pageError(err.message); }
  }

  async function remove(s) {
    const ok = await confirmDialog(t("sites.revoke_title", {name: s.name}), t("sites.revoke_text", {name: s.name}),
                                   t("sites.revoke"));
    if (!ok) return;
    try {
      await api("DELETE", "/sites/" + s.id);
      toast(t("sites.revoked", {name: s.name}));
      load();
    } catch (err) { pageError(err.message); }
  }

  $("add").addEventListener("click", () => {
    form.reset();
    clearErrors(form);
    dialog.querySelector(".dialog-title").textContent = t("sites.add_title");
    dialog.showModal();
  });
  dialog.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => dialog.close()));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const f = form.elements;
    try {
      const made = await api("POST", "/sites", {name: f.name.value.trim(), extensions: f.extensions.value.trim(),
                                                breakout_patterns: splitList(f.breakout_patterns.value)});
      dialog.close();
      $("code-text").value = made.code;
      $("code-expires").textContent = t("sites.code_expires", {when: dateTime(made.expires)});
      $("code-dialog").showModal();
      load();
    } catch (err) { showError(form, err); }
  });

  async function loadEnrolment() {
    try {
      const s = await api("GET", "/enrol");
      $("enrol-state").textContent = s.state === "enrolled" ?
        t("sites.enrolled", {hq: s.headquarters, number: s.site.number, extensions: s.site.extensions}) +
          (s.site.prefix ? " " + t("sites.enrolled_prefix",
            {prefix: s.site.prefix, example: s.site.extensions.split("-")[0]}) : "") +
          (typeof s.trunk_reachable === "boolean" ? " " + t("sites.enrolled_trunk",
            {state: t(s.trunk_reachable ? "sites.trunk.up" : "sites.trunk.down")}) : "") :
        t("sites.not_enrolled");
      enrolForm.querySelector("label").hidden = s.state === "enrolled";
      enrolForm.querySelector('[type="submit"]').hidden = s.state === "enrolled";
    } catch (err) { pageError(err.message); }
  }

  enrolForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(enrolForm);
    const submit = enrolForm.querySelector('[type="submit"]');
    submit.disabled = true;
    try {
      await api("POST", "/enrol", {code: enrolForm.elements.code.value.trim()});
      toast(t("sites.enrol_done"));
      loadEnrolment();
    } catch (err) { showError(enrolForm, err); } finally { submit.disabled = false; }
  });

  loadBundle().then(load);
  loadEnrolment();
  setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
})();
