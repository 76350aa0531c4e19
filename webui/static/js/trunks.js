/* Trunks: SIP connections to a provider, with their registration and reachability kept live. */
(function () {
  "use strict";
  const {t, el, crud, live, optional, trunkState, applyTrunkEvent} = window.Callbox;

  const page = crud({
    path: "/trunks",
    key: (x) => x.id,
    name: (x) => x.name,
    title: (x) => (x ? t("trunk.edit_title", {name: x.name}) : t("trunk.add_title")),
    deleteText: (x) => t("trunk.delete_text", {name: x.name}),
    cells: (x) => [
      el("td", {class: "col-status"}, trunkState(x)),
      el("td", {}, x.name),
      el("td", {class: "mono"}, x.kind === "dahdi" ? t("trunk.dahdi_lines", {id: x.id, channels: x.channels})
                                                    : `${x.host}:${x.port} ${x.transport.toUpperCase()}`),
      el("td", {}, x.register ? t("trunk.registers_as", {user: x.username}) : t("common.no")),
      el("td", {class: "mono"}, x.caller_id || "—")],
    fill(form, x) {
      const f = form.elements;
      f.kind.value = x ? x.kind : "sip";
      f.kind.disabled = !!x;  // a trunk stays SIP or DAHDI
      showKind(form);
      for (const name of ["name", "host", "username", "secret", "caller_id", "from_domain"]) f[name].value = x ? x[name] || "" : "";
      f.port.value = x ? x.port : 5060;
      f.transport.value = x ? x.transport : "udp";
      f.max_channels.value = x && x.max_channels ? x.max_channels : "";
      f.register.checked = x ? x.register : false;
      f.enabled.checked = x ? x.enabled : true;
      f.language.value = x && x.language ? x.language : "";
    },
    body(form) {
      const f = form.elements;
      if (f.kind.value === "dahdi") {
        return {name: f.name.value.trim(), kind: "dahdi", enabled: f.enabled.checked, language: f.language.value || null};
      }
      return {kind: "sip", name: f.name.value.trim(), host: f.host.value.trim(), port: Number(f.port.value || 5060),
              transport: f.transport.value, username: optional(f.username), secret: f.secret.value || null,
              register: f.register.checked, caller_id: optional(f.caller_id), from_domain: optional(f.from_domain),
              max_channels: f.max_channels.value ? Number(f.max_channels.value) : null, enabled: f.enabled.checked,
              language: f.language.value || null};
    },
  });

  /* A DAHDI trunk's lines are the box's own spans or FXO ports (the Hardware page): no server to name. */
  function showKind(form) {
    document.getElementById("sip-fields").hidden = form.elements.kind.value === "dahdi";
  }
  const dialogForm = document.querySelector("#edit-dialog form");
  dialogForm.elements.kind.addEventListener("change", () => showKind(dialogForm));

  function onTrunk(ev) {
    const found = applyTrunkEvent(page.items(), ev);
    const tr = found && document.querySelector(`#rows tr[data-key="${found.id}"]`);
    if (tr) tr.replaceWith(page.row(found));
  }

  live({
    trunk: onTrunk,
    // A trunk's contact coming and going is its reachability.
    registration: (ev) => { if (String(ev.number).startsWith("trunk-")) page.load(); },
    lost: page.load,
  });
  page.load();
})();
