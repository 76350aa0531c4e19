/* One ticket: its facts, the call it came with (and that call's recording), its work (status,
   priority, category, assignee, dispatch), comments and the history of every change. */
(function () {
  "use strict";
  const {boot, t, el, api, toast, clearErrors, showError, pageError, dateTime} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const path = `/tickets/${encodeURIComponent(boot.number)}`;
  const kind = (k) => (t("tk.kind." + k) === "tk.kind." + k ? k : t("tk.kind." + k));
  let ticket = null;
  // A reminder's point (tickets/reminders.py): due-60, overdue-0, overdue-1 ..., escalated.
  const point = (key) => {
    const [what, n] = String(key || "").split("-");
    return t("tk.point." + what, {minutes: n, n: Number(n) + 1});
  };

  function fact(label, value, attrs) {
    return [el("dt", {}, label), el("dd", attrs || {}, value === null || value === undefined || value === "" ? "—" : value)];
  }

  function callPart(x) {
    if (!x.call_id) return [];
    const parts = [el("h3", {}, t("tk.call")),
                   el("p", {class: "mono", dataset: {call: x.call_id}}, x.call_id)];
    if (x.recording) {
      const src = `/api/v1/recordings/${encodeURIComponent(x.recording)}`;
      parts.push(el("audio", {controls: true, preload: "none", src, dataset: {recording: x.recording}}));
    }
    return parts;
  }

  /* Audio kept with the ticket itself: the caller's complaint, recorded through a menu. */
  function audioPart(x) {
    if (!x.audio) return [];
    const src = `/api/v1/tickets/${encodeURIComponent(x.number)}/audio`;
    return [el("h3", {}, t("tk.audio")), el("audio", {controls: true, preload: "none", src, id: "ticket-audio"})];
  }

  function show(x) {
    ticket = x;
    $("summary-head").textContent = x.summary;
    $("facts").replaceChildren(
      ...fact(t("tk.f.status"), el("span", {class: "tag", dataset: {status: x.status}}, t("tk.status." + x.status)), {id: "fact-status"}),
      ...fact(t("tk.f.kind"), kind(x.kind)),
      ...fact(t("tk.f.category"), x.category_path),
      ...fact(t("tk.f.caller"), x.caller ? x.caller + (x.customer_name ? ` (${x.customer_name})` : "") : null, {class: "mono", id: "fact-caller"}),
      ...fact(t("tk.f.channel"), t("tk.channel." + x.channel)),
      ...fact(t("tk.f.department"), x.department_name, {id: "fact-department"}),
      ...fact(t("tk.f.assignee"), x.assignee),
      ...fact(t("tk.f.priority"), t("tk.priority." + x.priority)),
      ...fact(t("tk.col.deadline"), x.deadline ? dateTime(x.deadline) + (x.overdue ? " · " + t("tk.overdue") : "") : null),
      ...fact(t("tk.created_by"), `${x.created_by} · ${dateTime(x.created_at)}`));
    $("details").textContent = x.details || "";
    $("call").replaceChildren(...callPart(x), ...audioPart(x));
    const f = $("change-form").elements;
    f.status.replaceChildren(...[x.status, ...x.next_statuses.filter((s) => s !== x.status)].map((s) =>
      el("option", {value: s}, t("tk.status." + s))));
    f.status.value = x.status;
    f.priority.value = x.priority;
    f.category.value = x.category === null ? "" : String(x.category);
    f.assignee.value = x.assignee || "";
  }

  async function loadAll() {
    pageError("");
    try {
      const [x, comments, history] = await Promise.all([
        api("GET", path), api("GET", path + "/comments"), api("GET", path + "/history")]);
      show(x);
      $("comments").replaceChildren(...comments.items.map((c) => el("li", {class: "comment"},
        el("div", {class: "muted small"}, `${c.actor} · ${dateTime(c.at)}`), el("p", {class: "pre-wrap"}, c.text))));
      $("history").replaceChildren(...history.items.map((h) => el("tr", {dataset: {field: h.field}},
        el("td", {class: "nowrap"}, dateTime(h.at)), el("td", {}, h.actor),
        el("td", {}, t("tk.field." + h.field)), el("td", {}, h.old || "—"),
        el("td", {}, h.field === "reminder" ? point(h.new) : h.new || "—"))));
    } catch (err) {
      pageError(err.message);
    }
  }

  async function loadChoices() {
    const cats = await api("GET", "/ticket-categories");
    $("change-form").elements.category.replaceChildren(el("option", {value: ""}, "—"),
      ...cats.items.map((c) => el("option", {value: c.id}, c.path)));
    if ($("dispatch-department")) {
      const deps = await api("GET", "/departments");
      $("dispatch-department").replaceChildren(...deps.items.map((d) => el("option", {value: d.id}, d.name)));
    }
  }

  function submitter(form, send) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        await send(form.elements);
        toast(t("tk.saved", {number: boot.number}));
        await loadAll();
      } catch (err) {
        showError(form, err);
      }
    });
  }

  submitter($("change-form"), (f) => {
    const body = {status: f.status.value, priority: f.priority.value, assignee: f.assignee.value.trim() || null,
                  category: f.category.value ? Number(f.category.value) : null};
    if (body.status === ticket.status) delete body.status;
    return api("PATCH", path, body);
  });
  if ($("dispatch-form")) {
    submitter($("dispatch-form"), (f) => api("POST", path + "/dispatch", {department: Number(f.department.value)}));
  }
  if ($("three-way-form")) {
    // The caller and the agent on the ticket's call, and the department on its phone, together.
    submitter($("three-way-form"), () => api("POST", path + "/three-way", {}));
  }
  submitter($("comment-form"), async (f) => {
    await api("POST", path + "/comments", {text: f.text.value});
    f.text.value = "";
  });

  loadChoices().then(loadAll).catch((err) => pageError(err.message));
})();
