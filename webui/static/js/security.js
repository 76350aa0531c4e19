/* Security: addresses the ban engine has banned (why, for how long, lift a ban) and its
   settings (how many failures in how long ban, the bans' lengths, addresses never banned, who is
   mailed a ban). */
(function () {
  "use strict";
  const {boot, t, el, api, live, toast, clearErrors, showError, pageError, confirmDialog, dateTime, duration} =
    window.Callbox;
  const $ = (id) => document.getElementById(id);
  const form = $("settings-form");
  let bans = [];
  let settings = null;

  function left(ban) {
    if (!ban.until) return t("sec.permanent");
    return duration(Math.max(0, (Date.parse(ban.until) - Date.now()) / 1000));
  }

  function render() {
    $("rows").replaceChildren(...bans.map((b) => {
      const unban = el("button", {class: "btn btn-small", type: "button"}, t("sec.unban"));
      unban.addEventListener("click", () => lift(b));
      return el("tr", {"data-address": b.address},
        el("td", {class: "mono"}, b.address), el("td", {}, b.reason), el("td", {class: "muted"}, dateTime(b.since)),
        el("td", {}, left(b)), el("td", {}, String(b.count)), el("td", {class: "col-actions"}, unban));
    }));
    $("empty").hidden = bans.length > 0;
  }

  async function load() {
    try {
      const doc = await api("GET", "/security/bans");
      bans = doc.items;
      $("not-enforced").hidden = doc.enforced;
      render();
    } catch (err) { pageError(err.message); }
  }

  async function lift(ban) {
    const ok = await confirmDialog(t("sec.unban_title", {address: ban.address}), t("sec.unban_text"), t("sec.unban"));
    if (!ok) return;
    try {
      await api("DELETE", "/security/bans/" + encodeURIComponent(ban.address));
      toast(t("sec.unbanned", {address: ban.address}));
      load();
    } catch (err) { pageError(err.message); }
  }

  function fill(s) {
    settings = s;
    form.elements.max_failures.value = s.max_failures;
    form.elements.window_seconds.value = s.window_seconds;
    const timed = s.ban_minutes.filter((m) => m !== null);
    form.elements.ban_minutes.value = timed.join(", ");
    form.elements.permanent.checked = s.ban_minutes[s.ban_minutes.length - 1] === null;
    form.elements.allow.value = s.allow.join("\n");
    form.elements.email.value = s.email.join(", ");
  }

  function body() {
    const minutes = form.elements.ban_minutes.value.split(/[\s,，]+/).filter(Boolean)
      .map((m) => (/^\d+$/.test(m) ? Number(m) : m));
    if (form.elements.permanent.checked) minutes.push(null);
    return {
      max_failures: Number(form.elements.max_failures.value),
      window_seconds: Number(form.elements.window_seconds.value),
      ban_minutes: minutes,
      allow: form.elements.allow.value.split(/\s+/).filter(Boolean),
      email: form.elements.email.value.split(/[\s,;，；]+/).filter(Boolean),
    };
  }

  async function save(values) {
    clearErrors(form);
    try {
      fill(await api("PUT", "/security/settings", values));
      toast(t("sec.saved"));
      return true;
    } catch (err) {
      showError(form, err);
      return false;
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); save(body()); });

  const allowOwn = $("allow-own");
  if (allowOwn) {
    allowOwn.addEventListener("click", async () => {
      if (settings && await save({allow: [...settings.allow, boot.own_address]})) {
        const note = $("own-address");
        note.dataset.allowed = "yes";
        note.replaceChildren(t("sec.own_allowed", {address: boot.own_address}));
      }
    });
  }

  api("GET", "/security/settings").then(fill, (err) => pageError(err.message));
  load();
  live({"security.ban": load, "security.unban": load});
  setInterval(render, 30000);  // time left
})();
