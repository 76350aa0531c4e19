/* Time conditions: opening times by weekday and closed days (holidays, also from an iCalendar
   file) choose between two destinations; *28N or the override switches one by hand. */
(function () {
  "use strict";
  const {t, el, api, toast, crud, describe, destinationPicker, loadCatalogue, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  let matched, unmatched, importing = null;

  function ruleRow(rule) {
    const days = el("span", {class: "days"}, ...DAYS.map((d) =>
      el("label", {class: "check"}, el("input", {type: "checkbox", value: d, checked: rule.days.includes(d)}), " ", t("tc.day." + d))));
    return el("div", {class: "rule-row"}, days,
      el("input", {type: "text", class: "from", value: rule.from, pattern: "[0-2][0-9]:[0-5][0-9]", size: 5, "aria-label": t("tc.from")}),
      el("span", {}, "–"),
      el("input", {type: "text", class: "to", value: rule.to, pattern: "[0-2][0-9]:[0-5][0-9]", size: 5, "aria-label": t("tc.to")}),
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: (e) => e.target.closest(".rule-row").remove()}, t("common.delete")));
  }

  function holidayRow(h) {
    return el("div", {class: "holiday-row"},
      el("input", {type: "date", class: "date", value: h.date, "aria-label": t("tc.date")}),
      el("label", {class: "check"}, el("input", {type: "checkbox", class: "yearly", checked: h.yearly}), " ", t("tc.yearly")),
      el("input", {type: "text", class: "hname", value: h.name || "", maxlength: 60, placeholder: t("tc.holiday_name")}),
      el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: (e) => e.target.closest(".holiday-row").remove()}, t("common.delete")));
  }

  const rules = () => [...document.querySelectorAll("#rules .rule-row")].map((r) => ({
    days: [...r.querySelectorAll("input[type=checkbox]:checked")].map((c) => c.value),
    from: r.querySelector(".from").value.trim(), to: r.querySelector(".to").value.trim()}));
  const holidays = () => [...document.querySelectorAll("#holidays .holiday-row")].map((r) => ({
    date: r.querySelector(".date").value, yearly: r.querySelector(".yearly").checked,
    name: r.querySelector(".hname").value.trim() || null}));

  $("add-rule").addEventListener("click", () => $("rules").append(ruleRow({days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00"})));
  $("add-holiday").addEventListener("click", () => $("holidays").append(holidayRow({date: "", yearly: false, name: null})));

  const page = crud({
    path: "/time-conditions",
    key: (c) => c.id,
    name: (c) => c.name,
    title: (c) => (c ? t("tc.edit_title", {name: c.name}) : t("tc.add_title")),
    deleteText: (c) => t("tc.delete_text", {name: c.name}),
    before: loadCatalogue,
    cells: (c) => [
      el("td", {}, c.name),
      el("td", {class: "mono"}, "*28" + c.code),
      el("td", {}, el("span", {class: "tag", dataset: {state: c.state}}, t("tc.state." + c.state)),
         c.override ? el("span", {class: "muted"}, " " + t("tc.by_hand")) : ""),
      el("td", {}, describe(c.matched)),
      el("td", {}, describe(c.unmatched))],
    actions: (c) => [el("button", {type: "button", class: "btn btn-small", onclick: () => { importing = c; $("ical-file").click(); }},
                        t("tc.import"))],
    fill(form, c) {
      const f = form.elements;
      f.name.value = c ? c.name : "";
      f.code.value = c ? c.code : "";
      f.override.value = c && c.override ? c.override : "";
      $("rules").replaceChildren(...(c ? c.rules : [{days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00"}]).map(ruleRow));
      $("holidays").replaceChildren(...(c ? c.holidays : []).map(holidayRow));
      matched = destinationPicker("matched", c ? c.matched : {kind: "hangup", target: null});
      unmatched = destinationPicker("unmatched", c ? c.unmatched : {kind: "hangup", target: null});
      $("matched").replaceChildren(matched);
      $("unmatched").replaceChildren(unmatched);
    },
    body(form) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), rules: rules(), holidays: holidays(), matched: matched.value,
                    unmatched: unmatched.value, override: f.override.value || null};
      if (f.code.value) body.code = Number(f.code.value);
      return body;
    },
  });

  $("ical-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file || !importing) return;
    try {
      const doc = await api("POST", `/time-conditions/${importing.id}/holidays`, undefined,
                            {raw: await file.text(), contentType: "text/calendar"});
      toast(t("tc.imported", {n: doc.added, name: doc.name}));
      page.load();
    } catch (err) {
      toast(err.message, "error");
    }
  });

  loadCatalogue().then(page.load, (err) => pageError(err.message));
})();
