/* Users: who signs in, as administrator, supervisor or agent (an agent has an extension
   and sees only it); a new password for someone who forgot theirs. */
(function () {
  "use strict";
  const {t, el, api, crud, toast, clearErrors, showError, optional, dateTime} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  let departments = [];

  async function loadExtensions() {
    const [doc, deps] = await Promise.all([api("GET", "/extensions?per_page=1000"), api("GET", "/departments")]);
    $("extension-options").replaceChildren(...doc.items.map((x) => el("option", {value: x.number}, x.name)));
    departments = deps.items;
    $("department-options").replaceChildren(el("option", {value: ""}, "—"),
      ...departments.map((d) => el("option", {value: d.id}, d.name)));
  }

  const page = crud({
    path: "/users",
    key: (u) => u.id,
    name: (u) => u.username,
    title: (u) => (u ? t("users.edit_title", {name: u.username}) : t("users.add_title")),
    deleteText: (u) => t("users.delete_text", {name: u.username}),
    before: loadExtensions,
    cells: (u) => [
      el("td", {}, el("strong", {}, u.username)),
      el("td", {}, el("span", {class: "role-badge"}, t("role." + u.role))),
      el("td", {class: "mono"}, u.extension || (u.department && (departments.find((d) => d.id === u.department) || {}).name) || "—"),
      el("td", {}, u.language === "zh" ? "中文" : "English"),
      el("td", {class: "muted"}, dateTime(u.created_at))],
    actions: (u) => [el("button", {type: "button", class: "btn btn-small", onclick: () => openPassword(u)},
                        t("users.reset_password"))],
    fill(form, u) {
      const f = form.elements;
      f.username.value = u ? u.username : "";
      f.username.readOnly = !!u;
      f.role.value = u ? u.role : "agent";
      f.language.value = u ? u.language : "en";
      f.extension.value = u ? u.extension || "" : "";
      f.department.value = u && u.department ? String(u.department) : "";
    },
    body(form, u) {
      const f = form.elements;
      const body = {role: f.role.value, language: f.language.value, extension: optional(f.extension),
                    department: f.department.value ? Number(f.department.value) : null};
      if (!u) Object.assign(body, {username: f.username.value.trim(), password: f.password.value});
      return body;
    },
  });

  const pwDialog = $("password-dialog");
  const pwForm = $("password-form");
  let resetting = null;

  function openPassword(u) {
    resetting = u;
    pwForm.reset();
    clearErrors(pwForm);
    $("password-title").textContent = t("users.pw.title", {name: u.username});
    pwDialog.showModal();
  }

  pwForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(pwForm);
    const f = pwForm.elements;
    if (f.password.value !== f.confirm.value) {
      showError(pwForm, {field: "confirm", message: t("users.pw.mismatch")});
      return;
    }
    try {
      await api("PATCH", `/users/${resetting.id}`, {password: f.password.value});
      pwDialog.close();
      toast(t("users.pw.done", {name: resetting.username}));
    } catch (err) {
      showError(pwForm, err);
    }
  });

  loadExtensions().catch(() => {}).then(page.load);
})();
