/* SMS: send one message, broadcast to customers chosen by a search and a level, the messages sent
   and received with their delivery state (a failed one tried again), the templates and the events
   that send them, and (administrators) the gateways. Every check is the API's. */
(function () {
  "use strict";
  const {t, el, api, toast, clearErrors, showError, pageError, crud, smsCells} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const EVENTS = ["missed_call", "voicemail", "callback", "ticket_status"];

  function messageRow(m) {
    const [when, direction, number, text, state] = smsCells(m);
    return el("tr", {dataset: {id: m.id, state: m.state}}, when, direction, number,
      el("td", {}, m.customer ? el("a", {href: `/customers?sms=${m.customer.id}`}, m.customer.name) : "—"),
      text, state,
      el("td", {class: "col-actions"}, m.state === "failed"
        ? el("button", {type: "button", class: "btn btn-small", onclick: () => retry(m)}, t("sms.retry")) : ""));
  }

  async function loadMessages() {
    const direction = $("direction").value;
    try {
      const doc = await api("GET", "/sms?" + new URLSearchParams(direction ? {direction, limit: 200} : {limit: 200}));
      $("msg-rows").replaceChildren(...doc.items.map(messageRow));
      $("msg-empty").hidden = doc.items.length > 0;
    } catch (err) {
      pageError(err.message);
    }
  }

  async function retry(m) {
    try {
      await api("POST", `/sms/${m.id}/retry`);
      loadMessages();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  $("direction").addEventListener("change", loadMessages);

  const send = $("send-form");
  send.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(send);
    try {
      await api("POST", "/sms", {to: send.elements.to.value, text: send.elements.text.value});
      toast(t("sms.send.queued"));
      send.reset();
      loadMessages();
    } catch (err) {
      showError(send, err);
    }
  });

  const broadcast = $("broadcast-form");
  async function fillChoices(items) {
    broadcast.elements.template.replaceChildren(...items.map((x) => el("option", {value: x.id}, x.name)));
    try {
      const levels = await api("GET", "/customer-levels");
      broadcast.elements.level.replaceChildren(el("option", {value: ""}, t("sms.bc.any_level")),
        ...levels.items.map((l) => el("option", {value: l.name}, l.name)));
    } catch (err) {
      pageError(err.message);
    }
  }
  broadcast.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(broadcast);
    const filter = {q: broadcast.elements.q.value || null, level: broadcast.elements.level.value || null};
    try {
      const doc = await api("POST", "/sms", {template: Number(broadcast.elements.template.value), customers: filter});
      const result = $("broadcast-result");
      result.textContent = t("sms.bc.done", {queued: doc.queued, opted_out: doc.opted_out, no_number: doc.no_number});
      result.hidden = false;
      loadMessages();
    } catch (err) {
      showError(broadcast, err);
    }
  });

  const templates = crud({
    prefix: "t", path: "/sms/templates", key: (x) => x.id, name: (x) => x.name,
    cells: (x) => [el("td", {}, x.name), el("td", {class: "wrap"}, x.text),
                   el("td", {}, x.events.map((ev) => t("sms.ev." + ev)).join(", ") || "—")],
    title: (x) => (x ? t("sms.t.edit", {name: x.name}) : t("sms.t.add")),
    deleteText: (x) => t("sms.t.delete_text", {name: x.name}),
    fill(form, x) {
      form.elements.name.value = x ? x.name : "";
      form.elements.text.value = x ? x.text : "";
      for (const box of form.querySelectorAll('[name="events"]')) box.checked = !!x && x.events.includes(box.value);
    },
    body: (form) => ({name: form.elements.name.value, text: form.elements.text.value,
                      events: EVENTS.filter((ev) => form.querySelector(`[name="events"][value="${ev}"]`).checked)}),
    loaded: fillChoices,
  });

  const gatewayDialog = $("g-edit-dialog");
  if (gatewayDialog) {
    const form = gatewayDialog.querySelector("form");
    const showKind = () => {
      for (const part of form.querySelectorAll("[data-kind]")) part.hidden = part.dataset.kind !== form.elements.kind.value;
    };
    form.elements.kind.addEventListener("change", showKind);
    const text = (name) => form.elements[name].value.trim();
    const orNull = (name) => text(name) || null;
    crud({
      prefix: "g", path: "/sms/gateways", key: (g) => g.id, name: (g) => g.name,
      cells: (g) => [el("td", {}, g.name), el("td", {}, t("sms.kind." + g.kind)),
                     el("td", {}, g.enabled ? t("sms.yes") : t("sms.no")), el("td", {}, String(g.rate)),
                     el("td", {class: "mono"}, location.origin + g.webhook)],
      title: (g) => (g ? t("sms.g.edit", {name: g.name}) : t("sms.g.add")),
      deleteText: (g) => t("sms.g.delete_text", {name: g.name}),
      fill(f, g) {
        const o = g ? g.options : {};
        f.elements.name.value = g ? g.name : "";
        f.elements.kind.value = g ? g.kind : "http";
        f.elements.enabled.checked = g ? g.enabled : true;
        f.elements.rate.value = g ? g.rate : 10;
        f.elements.attempts.value = g ? g.attempts : 3;
        for (const name of ["url", "username", "sender", "success_field", "success_value", "id_field", "device"]) {
          f.elements[name].value = o[name] || "";
        }
        f.elements.method.value = o.method || "GET";
        f.elements.auth.value = o.auth || "none";
        f.elements.number_format.value = o.number_format || "international";
        f.elements.success_status.value = o.success_status || "";
        f.elements.body.value = o.body && Object.keys(o.body).length ? JSON.stringify(o.body, null, 1) : "";
        f.elements.password.value = "";
        f.elements.baud.value = String(o.baud || 115200);
        f.elements.delivery_reports.checked = !!o.delivery_reports;
        f.elements.timeout.value = o.timeout || 10;
        const smpp = g && g.kind === "smpp" ? o : {};
        for (const name of ["host", "port", "system_id", "system_type", "sender"]) {
          f.elements["smpp_" + name].value = smpp[name] || "";
        }
        f.elements.smpp_password.value = "";
        f.elements.smpp_number_format.value = smpp.number_format || "international";
        f.elements.smpp_timeout.value = smpp.timeout || 10;
        f.elements.smpp_delivery_reports.checked = smpp.delivery_reports !== false;
        showKind();
      },
      body(f) {
        const kind = f.elements.kind.value;
        let options;
        if (kind === "http") {
          let body = {};
          if (text("body")) {
            try { body = JSON.parse(text("body")); } catch (err) {
              throw {message: t("sms.g.body_json"), field: "options.body"};
            }
          }
          options = {url: text("url"), method: f.elements.method.value, body, auth: f.elements.auth.value,
                     username: text("username"), sender: text("sender"), number_format: f.elements.number_format.value,
                     success_status: text("success_status") ? Number(text("success_status")) : null,
                     success_field: orNull("success_field"), success_value: orNull("success_value"),
                     id_field: orNull("id_field")};
          if (f.elements.password.value) options.password = f.elements.password.value;
        } else if (kind === "smpp") {
          options = {host: text("smpp_host"), port: Number(text("smpp_port") || 2775), system_id: text("smpp_system_id"),
                     system_type: text("smpp_system_type"), sender: text("smpp_sender"),
                     number_format: f.elements.smpp_number_format.value,
                     delivery_reports: f.elements.smpp_delivery_reports.checked,
                     timeout: Number(text("smpp_timeout") || 10)};
          if (f.elements.smpp_password.value) options.password = f.elements.smpp_password.value;
        } else {
          options = {device: text("device"), baud: Number(f.elements.baud.value),
                     delivery_reports: f.elements.delivery_reports.checked, timeout: Number(text("timeout") || 10)};
        }
        return {name: text("name"), kind, enabled: f.elements.enabled.checked, rate: Number(text("rate")),
                attempts: Number(text("attempts")), options};
      },
    }).load();
  }

  templates.load();
  loadMessages();
})();
