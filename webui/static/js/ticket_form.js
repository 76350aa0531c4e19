/* The new-ticket dialog (views/ticket_form.tpl): on the tickets page, and on the agent desk
   where the screen pop fills in the caller and the call. Every check is the API's. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, optional} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  async function choices() {
    const [cats, deps] = await Promise.all([api("GET", "/ticket-categories"), api("GET", "/departments")]);
    const form = $("ticket-form");
    form.elements.category.replaceChildren(el("option", {value: ""}, "—"),
      ...cats.items.map((c) => el("option", {value: c.id}, c.time_limit_hours
        ? t("tk.category_limit", {path: c.path, hours: c.time_limit_hours}) : c.path)));
    form.elements.department.replaceChildren(el("option", {value: ""}, t("tk.not_dispatched")),
      ...deps.items.map((d) => el("option", {value: d.id}, d.name)));
  }

  /* Open the dialog; `call` ({id, caller}) links the ticket to a call. created(ticket) after. */
  async function newTicket(call, created) {
    const form = $("ticket-form");
    form.reset();
    clearErrors(form);
    try {
      await choices();
    } catch (err) {
      toast(err.message, "error");
      return;
    }
    form.elements.call_id.value = call ? call.id : "";
    form.elements.caller.value = call ? call.caller || "" : "";
    form.elements.channel.value = "phone";
    $("ticket-call").hidden = !call;
    $("ticket-call").textContent = call ? t("tk.from_call", {id: call.id}) : "";
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearErrors(form);
      const f = form.elements;
      const body = {kind: f.kind.value, summary: f.summary.value.trim(), details: optional(f.details),
                    caller: optional(f.caller), channel: f.channel.value, priority: f.priority.value};
      if (f.category.value) body.category = Number(f.category.value);
      if (f.department.value) body.department = Number(f.department.value);
      if (f.call_id.value) body.call_id = f.call_id.value;
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      try {
        const ticket = await api("POST", "/tickets", body);
        $("ticket-dialog").close();
        toast(t("tk.created", {number: ticket.number}));
        if (created) created(ticket);
      } catch (err) {
        showError(form, err);
      } finally {
        submit.disabled = false;
      }
    };
    $("ticket-dialog").showModal();
  }

  Object.assign(window.Callbox, {newTicket});
})();
