/* Voicemail: pick a mailbox (agents have theirs), list, play, download and delete
   messages; upload or reset the mailbox's own greetings. */
(function () {
  "use strict";
  const {boot, t, el, api, toast, confirmDialog, clock, dateTime, callable} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const GREETINGS = ["unavail", "busy", "greet"];
  let mailbox = "";

  const path = (rest) => `/extensions/${encodeURIComponent(mailbox)}${rest}`;

  function caller(msg) {
    if (msg.caller_name && msg.caller_number) return `${msg.caller_name} <${msg.caller_number}>`;
    return msg.caller_name || msg.caller_number || t("vm.unknown_caller");
  }

  function messageRow(msg) {
    const src = "/api/v1" + path(`/voicemail/${encodeURIComponent(msg.id)}`);
    return el("tr", {dataset: {id: msg.id}},
      el("td", {}, dateTime(msg.received_at)),
      el("td", {}, ...(msg.caller_number ? [msg.caller_name ? msg.caller_name + " " : null, callable(msg.caller_number)]
                                         : [caller(msg)])),
      el("td", {}, el("span", {class: "tag", dataset: {folder: msg.folder}}, t("vm.folder." + msg.folder))),
      el("td", {class: "mono"}, clock(msg.duration)),
      el("td", {}, el("audio", {controls: true, preload: "metadata", src})),
      el("td", {class: "col-actions"},
        el("a", {class: "btn btn-small", href: src, download: `voicemail-${mailbox}-${msg.id}.wav`}, t("vm.download")),
        el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => removeMessage(msg)}, t("common.delete"))));
  }

  async function removeMessage(msg) {
    const ok = await confirmDialog(t("vm.delete_title"), t("vm.delete_text", {caller: caller(msg)}), t("common.delete"));
    if (!ok) return;
    try {
      await api("DELETE", path(`/voicemail/${encodeURIComponent(msg.id)}`));
      toast(t("vm.deleted"));
      loadMessages();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function loadMessages() {
    const doc = await api("GET", path("/voicemail"));
    $("vm-rows").replaceChildren(...doc.items.map(messageRow));
    $("vm-empty").hidden = doc.items.length > 0;
    $("vm-table").hidden = doc.items.length === 0;
  }

  function greetingRow(kind, own) {
    const input = el("input", {type: "file", accept: ".wav,.mp3,audio/wav,audio/mpeg", class: "sr-only",
                               onchange: (e) => upload(kind, e.target.files[0])});
    const label = el("label", {class: "btn btn-small"}, t("vm.upload"), input);
    return el("tr", {dataset: {kind}},
      el("td", {}, el("strong", {}, t("vm.greeting." + kind)), el("div", {class: "muted small"}, t("vm.greeting_hint." + kind))),
      el("td", {}, own ? el("span", {class: "tag tag-ok"}, t("vm.own")) : el("span", {class: "tag"}, t("vm.stock"))),
      el("td", {}, own ? el("audio", {controls: true, preload: "none",
                                      src: "/api/v1" + path(`/greetings/${kind}`) + "?v=" + Date.now()}) : ""),
      el("td", {class: "col-actions"}, label,
         own ? el("button", {type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => reset(kind)}, t("vm.reset")) : ""));
  }

  async function loadGreetings() {
    const doc = await api("GET", path("/greetings"));
    $("greet-rows").replaceChildren(...GREETINGS.map((kind) => greetingRow(kind, doc.greetings[kind])));
  }

  async function upload(kind, file) {
    if (!file) return;
    const box = $("greet-error");
    box.hidden = true;
    try {
      await api("PUT", path(`/greetings/${kind}`), undefined, {raw: file, contentType: file.type || "application/octet-stream"});
      toast(t("vm.uploaded", {kind: t("vm.greeting." + kind)}));
    } catch (err) {
      box.textContent = err.message;
      box.hidden = false;
    }
    loadGreetings();
  }

  async function reset(kind) {
    const ok = await confirmDialog(t("vm.reset_title"), t("vm.reset_text", {kind: t("vm.greeting." + kind)}), t("vm.reset"));
    if (!ok) return;
    try {
      await api("DELETE", path(`/greetings/${kind}`));
      toast(t("vm.reset_done"));
    } catch (err) {
      toast(err.message, "error");
    }
    loadGreetings();
  }

  async function open(number) {
    mailbox = number;
    $("vm-heading").textContent = t("vm.mailbox", {number});
    try {
      await Promise.all([loadMessages(), loadGreetings()]);
      $("vm-body").hidden = false;
      $("vm-none").hidden = true;
    } catch (err) {
      $("vm-body").hidden = true;
      $("vm-none").hidden = false;
      $("vm-none-text").textContent = err.field === "voicemail_enabled" ? t("vm.disabled", {number}) : err.message;
    }
  }

  const input = $("mailbox-input");
  if (input) {
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (!q) return;
        try {
          const doc = await api("GET", "/extensions?" + new URLSearchParams({q, per_page: 20}));
          $("mailbox-options").replaceChildren(...doc.items.map((x) => el("option", {value: x.number}, x.name)));
        } catch (err) { /* suggestions are optional */ }
      }, 200);
    });
    $("picker").addEventListener("submit", (e) => {
      e.preventDefault();
      const number = input.value.trim();
      if (!number) return;
      history.replaceState(null, "", "?" + new URLSearchParams({mailbox: number}));
      open(number);
    });
    input.value = boot.mailbox || "";
  }
  $("vm-refresh").addEventListener("click", () => open(mailbox));
  if (boot.mailbox) open(boot.mailbox);
})();
