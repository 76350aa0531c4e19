/* Customers: who calls, by any of their numbers (written any way); searched by name, company
   or number; their calls; their text messages both ways, one sent from here, and (staff) their
   opt-out of broadcasts; CSV import and export. Levels give callers their queue priority.
   Agents add and change records but set no level (it moves callers up the queues). */
(function () {
  "use strict";
  const {boot, t, el, api, crud, csvImport, pager, pageError, optional, duration, dateTime, callable, smsCells,
         clearErrors, showError, toast} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const staff = boot.user.role !== "agent";
  const PER_PAGE = 50;
  let q = new URLSearchParams(location.search).get("q") || "";
  let total = 0;
  let levels = [];

  async function loadLevels() {
    levels = (await api("GET", "/customer-levels")).items;
  }

  function numberInput(value) {
    return el("div", {class: "number-row"},
      el("input", {name: "number", class: "mono", inputmode: "tel", autocomplete: "off", value: value || "",
                   "aria-label": t("cust.f.number")}),
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost",
                    onclick: (e) => e.target.closest(".number-row").remove()}, t("list.remove")));
  }

  function addNumber(value) {
    const row = numberInput(value);
    $("numbers").append(row);
    return row.querySelector("input");
  }

  const list = crud({
    path: "/customers",
    query: () => "?" + new URLSearchParams({page: pages.page, per_page: PER_PAGE, ...(q ? {q} : {})}),
    key: (c) => c.id,
    name: (c) => c.name,
    title: (c) => (c ? t("cust.edit_title", {name: c.name}) : t("cust.add_title")),
    deleteText: (c) => t("cust.delete_text", {name: c.name}),
    deletable: staff,
    before: loadLevels,
    cells: (c) => [
      el("td", {}, el("strong", {}, c.name)),
      el("td", {}, c.company || "—"),
      el("td", {}, c.level ? el("span", {class: "tag"}, c.level) : "—"),
      el("td", {class: "mono"}, ...c.numbers.flatMap((n, i) => (i ? [", ", callable(n.display)] : [callable(n.display)]))),
      el("td", {class: "muted clip"}, c.notes || "")],
    actions: (c) => [el("button", {type: "button", class: "btn btn-small", onclick: () => showCalls(c)}, t("cust.calls")),
                     el("button", {type: "button", class: "btn btn-small", onclick: () => showSms(c)}, t("cust.sms"))],
    loaded(items, doc) {
      total = doc.total;
      $("summary").textContent = t("cust.total", {n: doc.total});
      $("empty-text").textContent = q ? t("cust.none_match", {q}) : t("cust.none_yet");
    },
    fill(form, c) {
      const f = form.elements;
      f.name.value = c ? c.name : "";
      f.company.value = c ? c.company || "" : "";
      f.notes.value = c ? c.notes || "" : "";
      $("numbers").replaceChildren(...(c ? c.numbers.map((n) => numberInput(n.display)) : [numberInput("")]));
      if (f.level) {
        f.level.replaceChildren(el("option", {value: ""}, t("cust.no_level")),
          ...levels.map((lv) => el("option", {value: lv.name}, t("cust.level_option", {name: lv.name, priority: lv.priority}))));
        f.level.value = c ? c.level || "" : "";
      }
    },
    body(form) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), company: optional(f.company), notes: optional(f.notes),
                    numbers: [...$("numbers").querySelectorAll("input")].map((i) => i.value.trim()).filter(Boolean)};
      if (f.level) body.level = f.level.value || null;
      return body;
    },
  });

  const pages = pager(PER_PAGE, async () => { await list.load(); return total; });

  async function showCalls(c) {
    pageError("");
    let doc;
    try {
      doc = await api("GET", `/customers/${c.id}/calls`);
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("calls-title").textContent = t("cust.calls_title", {name: c.name});
    $("calls-rows").replaceChildren(...doc.items.map((x) => el("tr", {dataset: {call: x.id}},
      el("td", {class: "nowrap"}, dateTime(x.entered_at)), el("td", {class: "mono"}, callable(x.caller)),
      el("td", {class: "mono"}, x.queue), el("td", {class: "mono"}, x.agent || "—"),
      el("td", {}, duration(x.wait)), el("td", {}, duration(x.talk)),
      el("td", {}, el("span", {class: "tag", dataset: {outcome: x.outcome}}, t("hist.outcome." + x.outcome))))));
    $("calls-none").hidden = doc.items.length > 0;
    $("calls-dialog").showModal();
  }

  let smsOf = null;  // the customer whose messages the dialog shows

  async function loadSms() {
    const doc = await api("GET", `/customers/${smsOf.id}/sms`);
    $("sms-rows").replaceChildren(...doc.items.map((m) => el("tr", {dataset: {id: m.id, state: m.state}}, ...smsCells(m))));
    $("sms-none").hidden = doc.items.length > 0;
    if (staff) $("sms-opt-out").checked = doc.opt_out;
    else $("sms-opted-out").hidden = !doc.opt_out;
  }

  async function showSms(c) {
    pageError("");
    smsOf = c;
    try {
      await loadSms();
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("sms-title").textContent = t("cust.sms_title", {name: c.name});
    $("sms-to").replaceChildren(...c.numbers.map((n) => el("option", {value: n.display}, n.display)));
    $("sms-send").disabled = c.numbers.length === 0;
    clearErrors($("sms-form"));
    $("sms-form").elements.text.value = "";
    $("sms-dialog").showModal();
  }

  $("sms-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    clearErrors(form);
    try {
      await api("POST", "/sms", {to: form.elements.to.value, text: form.elements.text.value});
      form.elements.text.value = "";
      toast(t("sms.send.queued"));
      await loadSms();
    } catch (err) {
      showError(form, err);
    }
  });
  if (staff) {
    $("sms-opt-out").addEventListener("change", async (e) => {
      try {
        await api("PUT", `/customers/${smsOf.id}/sms`, {opt_out: e.target.checked});
      } catch (err) {
        e.target.checked = !e.target.checked;
        toast(err.message, "error");
      }
    });
  }

  $("add-number").addEventListener("click", () => addNumber("").focus());
  let searchTimer;
  $("search").value = q;
  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      q = e.target.value.trim();
      history.replaceState(null, "", q ? "?" + new URLSearchParams({q}) : location.pathname);
      pages.go(1);
    }, 250);
  });
  $("search-form").addEventListener("submit", (e) => e.preventDefault());

  if (staff) {
    csvImport("/customers/import", "cust.imp.summary", () => pages.go(1));
    crud({
      prefix: "levels",
      path: "/customer-levels",
      key: (lv) => lv.id,
      name: (lv) => lv.name,
      title: (lv) => (lv ? t("cust.level_edit", {name: lv.name}) : t("cust.level_add")),
      deleteText: (lv) => t("cust.level_delete", {name: lv.name}),
      cells: (lv) => [el("td", {}, el("span", {class: "tag"}, lv.name)), el("td", {class: "mono"}, lv.priority)],
      fill(form, lv) {
        form.elements.name.value = lv ? lv.name : "";
        form.elements.priority.value = lv ? lv.priority : 0;
      },
      body: (form) => ({name: form.elements.name.value.trim(), priority: Number(form.elements.priority.value || 0)}),
    }).load();
  }
  pages.go(1);
  // The SMS page links a message's customer here: their messages open.
  const asked = new URLSearchParams(location.search).get("sms");
  if (/^[0-9]+$/.test(asked || "")) {
    api("GET", `/customers/${asked}`).then(showSms, (err) => pageError(err.message));
  }
})();
