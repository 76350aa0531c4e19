/* Where tickets go: departments (with the contacts staff reach them by), the category tree,
   whose time limits set a new ticket's deadline, the reminders (催办) before and after it, and the
   mailboxes whose messages become tickets. */
(function () {
  "use strict";
  const {t, el, api, crud, optional, clearErrors, showError, toast, pageError} = window.Callbox;
  let departments = [];
  let categories = [];

  const name = (id, list) => (list.find((x) => x.id === id) || {}).name || "—";
  const choice = (select, items, label, noneText, value) => {
    select.replaceChildren(el("option", {value: ""}, noneText), ...items.map((x) => el("option", {value: x.id}, label(x))));
    select.value = value === null || value === undefined ? "" : String(value);
  };
  const idOrNull = (select) => (select.value ? Number(select.value) : null);

  const deps = crud({
    prefix: "dep",
    path: "/departments",
    key: (d) => d.id,
    name: (d) => d.name,
    title: (d) => (d ? t("tks.dep_edit", {name: d.name}) : t("tks.dep_add")),
    deleteText: (d) => t("tks.dep_delete", {name: d.name}),
    cells: (d) => [el("td", {}, el("strong", {}, d.name)), el("td", {class: "mono"}, d.phone || "—"),
                   el("td", {}, d.email || "—")],
    loaded: (items) => { departments = items; cats.load(); },
    fill(form, d) {
      const f = form.elements;
      f.name.value = d ? d.name : "";
      f.phone.value = d ? d.phone || "" : "";
      f.email.value = d ? d.email || "" : "";
    },
    body: (form) => ({name: form.elements.name.value.trim(), phone: optional(form.elements.phone),
                      email: optional(form.elements.email)}),
  });

  const cats = crud({
    prefix: "cat",
    path: "/ticket-categories",
    key: (c) => c.id,
    name: (c) => c.path,
    title: (c) => (c ? t("tks.cat_edit", {name: c.path}) : t("tks.cat_add")),
    deleteText: (c) => t("tks.cat_delete", {name: c.path}),
    cells: (c) => [el("td", {}, c.path), el("td", {}, c.time_limit_hours ? t("tks.hours", {n: c.time_limit_hours}) : "—"),
                   el("td", {}, c.department ? name(c.department, departments) : "—")],
    loaded: (items) => { categories = items; },
    fill(form, c) {
      const f = form.elements;
      f.name.value = c ? c.name : "";
      f.time_limit_hours.value = c && c.time_limit_hours ? c.time_limit_hours : "";
      choice(f.parent, categories.filter((x) => !c || x.id !== c.id), (x) => x.path, t("tks.top_level"), c && c.parent);
      choice(f.department, departments, (x) => x.name, "—", c && c.department);
    },
    body(form) {
      const f = form.elements;
      return {name: f.name.value.trim(), parent: idOrNull(f.parent), department: idOrNull(f.department),
              time_limit_hours: f.time_limit_hours.value ? Number(f.time_limit_hours.value) : null};
    },
  });

  const remind = document.getElementById("remind-form");
  const list = (input) => input.value.split(/[\s,;]+/).filter(Boolean);
  function fillRemind(s) {
    const f = remind.elements;
    f.ticket_remind_before_minutes.value = s.ticket_remind_before_minutes.join(", ");
    f.ticket_overdue_repeat_minutes.value = s.ticket_overdue_repeat_minutes;
    f.ticket_escalate_after_minutes.value = s.ticket_escalate_after_minutes;
    f.ticket_escalation_email.value = s.ticket_escalation_email.join(", ");
  }
  remind.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(remind);
    const f = remind.elements;
    // Not numbers as typed are sent as typed: the box names the field it refuses.
    const minutes = list(f.ticket_remind_before_minutes).map((x) => (/^[0-9]+$/.test(x) ? Number(x) : x));
    try {
      fillRemind(await api("PATCH", "/settings", {
        ticket_remind_before_minutes: minutes,
        ticket_overdue_repeat_minutes: Number(f.ticket_overdue_repeat_minutes.value),
        ticket_escalate_after_minutes: Number(f.ticket_escalate_after_minutes.value),
        ticket_escalation_email: list(f.ticket_escalation_email)}));
      toast(t("tks.remind_saved"));
    } catch (err) {
      showError(remind, err);
    }
  });
  /* A mayor's mailbox: the mailboxes whose messages become tickets, and the tickets' kind. */
  const mailboxes = document.getElementById("mailbox-form");
  function fillMailboxes(s) {
    const f = mailboxes.elements;
    f.ticket_mailboxes.value = s.ticket_mailboxes.join(", ");
    const kind = (k) => (t("tk.kind." + k) === "tk.kind." + k ? k : t("tk.kind." + k));
    f.ticket_mailbox_kind.replaceChildren(...s.ticket_kinds.map((k) => el("option", {value: k}, kind(k))));
    f.ticket_mailbox_kind.value = s.ticket_mailbox_kind;
  }
  mailboxes.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(mailboxes);
    const f = mailboxes.elements;
    try {
      fillMailboxes(await api("PATCH", "/settings", {ticket_mailboxes: list(f.ticket_mailboxes),
                                                     ticket_mailbox_kind: f.ticket_mailbox_kind.value}));
      toast(t("tks.mailboxes_saved"));
    } catch (err) {
      showError(mailboxes, err);
    }
  });
  api("GET", "/settings").then((s) => { fillRemind(s); fillMailboxes(s); }, (err) => pageError(err.message));

  deps.load();
})();
