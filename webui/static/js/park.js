/* Call park: each slot of lot 70 and the call waiting there, kept current by the live
   event stream; dialling the slot's number from any phone takes the call. */
(function () {
  "use strict";
  const {t, el, api, live, toast, clearErrors, showError} = window.Callbox;
  const $ = (id) => document.getElementById(id);

  function row(item) {
    const call = item.call;
    return el("tr", {dataset: {slot: item.slot, state: call ? "parked" : "free"}},
      el("td", {class: "mono"}, el("strong", {}, item.slot)),
      el("td", {}, call ? [call.caller_name && call.caller_name !== call.caller ? call.caller_name + " " : "",
                           el("span", {class: "mono"}, call.caller || t("park.unknown"))] : el("span", {class: "muted"}, t("park.free"))),
      el("td", {class: "mono"}, call && call.parked_by ? call.parked_by : ""),
      el("td", {}, call ? t("park.seconds", {n: call.seconds}) : ""),
      el("td", {}, call ? t("park.seconds", {n: call.rings_back_in}) : ""));
  }

  async function load() {
    try {
      const doc = await api("GET", "/park");
      $("park-rows").replaceChildren(...doc.items.map(row));
    } catch (e) {
      toast(e.message, "error");
    }
  }

  /* Administrators set how many slots there are and how long a call waits before it rings back. */
  const form = $("park-form");
  async function settings() {
    const me = await api("GET", "/me");
    if (me.role !== "admin") return;
    const doc = await api("GET", "/settings");
    form.elements.park_slots.value = doc.park_slots;
    form.elements.park_timeout.value = doc.park_timeout;
    $("park-settings").hidden = false;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await api("PATCH", "/settings", {park_slots: Number(form.elements.park_slots.value),
                                       park_timeout: Number(form.elements.park_timeout.value)});
      toast(t("park.saved"));
      load();
    } catch (err) {
      showError(form, err);
    }
  });

  load();
  settings().catch((e) => toast(e.message, "error"));
  live({park: load});
})();
