/* Conference rooms: the rooms (administrators change them), and each room live below, kept
   current by the live event stream: who is in, who talks, who is muted; mute, unmute and
   remove a party, lock the room, record it, invite a number. */
(function () {
  "use strict";
  const {t, el, api, live, toast, pageError, confirmDialog} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let admin = false;
  let rooms = [];
  const counts = {};  // room -> parties now

  /* Supervisors watch and act on rooms; administrators also add, change and delete them. */
  function roomsPage(editable) {
    return window.Callbox.crud({
      path: "/conferences",
      key: (c) => c.number,
      name: (c) => `${c.number} ${c.name}`,
      title: (c) => (c ? t("conf.edit_title", {number: c.number}) : t("conf.add_title")),
      deleteText: (c) => t("conf.delete_text", {number: c.number, name: c.name}),
      editable,
      cells: cellsOf,
      fill(form, c) {
        form.elements.number.value = c ? c.number : "";
        form.elements.number.readOnly = !!c;
        form.elements.name.value = c ? c.name : "";
        form.elements.pin.value = c && c.pin ? c.pin : "";
        form.elements.host_pin.value = c && c.host_pin ? c.host_pin : "";
        form.elements.max_parties.value = c ? c.max_parties : 20;
        form.elements.record.checked = !!(c && c.record);
        form.elements.wait_for_host.checked = !!(c && c.wait_for_host);
      },
      body(form, c) {
        const body = {name: form.elements.name.value.trim(), pin: form.elements.pin.value.trim() || null,
                      host_pin: form.elements.host_pin.value.trim() || null,
                      max_parties: Number(form.elements.max_parties.value),
                      record: form.elements.record.checked, wait_for_host: form.elements.wait_for_host.checked};
        if (!c) body.number = form.elements.number.value.trim();
        return body;
      },
      loaded(items) {
        rooms = items;
        renderRooms();
      },
    });
  }

  function cellsOf(c) {
    const options = [c.record ? t("conf.recorded") : "", c.wait_for_host ? t("conf.waits") : ""].filter(Boolean);
    return [
      el("td", {class: "mono"}, el("strong", {}, c.number)),
      el("td", {}, c.name),
      el("td", {}, `${c.pin ? t("conf.pin_set") : t("conf.no_pin")} · ${c.host_pin ? t("conf.host_pin_set") : t("conf.no_host")}`),
      el("td", {}, String(c.max_parties)),
      el("td", {}, options.join(" · ") || "—"),
      el("td", {dataset: {count: c.number}}, t("conf.count", {n: counts[c.number] || 0}))];
  }

  async function act(path, body, done) {
    pageError("");
    try {
      await api("POST", path, body);
      if (done) toast(done);
    } catch (err) {
      pageError(err.message);
    }
  }

  function partyRow(room, p) {
    const base = `/conferences/${room}/parties/${encodeURIComponent(p.id)}`;
    return el("tr", {dataset: {party: p.id, caller: p.caller, talking: p.talking ? "yes" : "no",
                               muted: p.muted ? "yes" : "no"}},
      el("td", {}, el("span", {class: "dot", dataset: {state: p.talking ? "ok" : ""},
                               title: p.talking ? t("conf.talking") : ""}),
         " ", el("span", {class: "mono"}, p.caller || t("conf.unknown")), p.name && p.name !== p.caller ? " " + p.name : ""),
      el("td", {}, p.host ? el("span", {class: "role-badge"}, t("conf.host")) : ""),
      el("td", {class: "talk"}, p.muted ? t("conf.muted") : (p.talking ? t("conf.talking") : "")),
      el("td", {}, t("conf.seconds", {n: p.seconds})),
      el("td", {class: "col-actions"},
        el("button", {type: "button", class: "btn btn-small", dataset: {act: p.muted ? "unmute" : "mute"},
                      onclick: () => act(`${base}/${p.muted ? "unmute" : "mute"}`)},
           p.muted ? t("conf.unmute") : t("conf.mute")),
        el("button", {type: "button", class: "btn btn-small btn-danger-ghost", dataset: {act: "kick"},
                      onclick: async () => {
                        const ok = await confirmDialog(t("conf.kick_title"), t("conf.kick_text", {caller: p.caller}),
                                                       t("conf.kick"));
                        if (ok) act(`${base}/kick`);
                      }}, t("conf.kick"))));
  }

  function roomCard(c) {
    const invite = el("input", {name: "invite", class: "mono", inputmode: "tel", autocomplete: "off",
                                placeholder: t("conf.invite_number"), "aria-label": t("conf.invite_number")});
    const form = el("form", {class: "inline-form", onsubmit: (e) => {
      e.preventDefault();
      const number = invite.value.trim();
      act(`/conferences/${c.number}/invite`, {number}, t("conf.calling", {number})).then(() => { invite.value = ""; });
    }}, invite, el("button", {type: "submit", class: "btn btn-small"}, t("conf.invite")));
    return el("section", {class: "card", id: `room-${c.number}`, dataset: {room: c.number}},
      el("div", {class: "page-head"},
        el("h2", {}, `${c.number} · ${c.name}`),
        el("div", {class: "actions"},
          el("span", {class: "state-badge room-state"}),
          el("button", {type: "button", class: "btn btn-small", dataset: {act: "lock"}}),
          el("button", {type: "button", class: "btn btn-small", dataset: {act: "record"}}),
          form)),
      el("div", {class: "table-wrap"},
        el("table", {class: "table"},
          el("thead", {}, el("tr", {},
            el("th", {}, t("conf.col.caller")), el("th", {}, t("conf.col.role")), el("th", {}, t("conf.col.talk")),
            el("th", {}, t("conf.col.in_for")), el("th", {class: "col-actions"}, el("span", {class: "sr-only"}, "…")))),
          el("tbody", {class: "parties"}))),
      el("p", {class: "muted empty-room"}, t("conf.empty")));
  }

  function renderRooms() {
    const box = $("live-rooms");
    box.replaceChildren(...rooms.map(roomCard));
    rooms.forEach((c) => refresh(c.number));
  }

  async function refresh(room) {
    const card = $(`room-${room}`);
    if (!card) return;
    let doc;
    try {
      doc = await api("GET", `/conferences/${room}/live`);
    } catch (err) {
      pageError(err.message);
      return;
    }
    counts[room] = doc.parties.length;
    const cell = document.querySelector(`td[data-count="${room}"]`);
    if (cell) cell.textContent = t("conf.count", {n: doc.parties.length});
    card.querySelector(".parties").replaceChildren(...doc.parties.map((p) => partyRow(room, p)));
    card.querySelector(".empty-room").hidden = doc.parties.length > 0;
    const state = card.querySelector(".room-state");
    state.textContent = doc.locked ? t("conf.locked") : (doc.recording ? t("conf.recording") : "");
    state.hidden = !doc.locked && !doc.recording;
    state.dataset.state = doc.locked ? "paused" : "on_call";
    const running = doc.parties.length > 0;
    const lock = card.querySelector('[data-act="lock"]');
    lock.textContent = doc.locked ? t("conf.unlock") : t("conf.lock");
    lock.disabled = !running;
    lock.onclick = () => act(`/conferences/${room}/${doc.locked ? "unlock" : "lock"}`);
    const record = card.querySelector('[data-act="record"]');
    record.textContent = doc.recording ? t("conf.stop_record") : t("conf.record");
    record.disabled = !running;
    record.onclick = () => act(`/conferences/${room}/${doc.recording ? "stop-record" : "record"}`);
  }

  async function start() {
    try {
      const me = await api("GET", "/me");
      admin = me.role === "admin";
    } catch (err) {
      pageError(err.message);
    }
    $("add").hidden = !admin;
    await roomsPage(admin).load();
    live({conference: (e) => (e.room ? refresh(e.room) : rooms.forEach((c) => refresh(c.number)))});
  }

  start();
})();
