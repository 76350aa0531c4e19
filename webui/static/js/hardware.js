/* Hardware: the telephony cards the box found (and the profile each matched), their E1 spans and
   analog ports with the settings each has, alarms and channel states where the box has DAHDI.
   Every check is the API's: a refusal is shown at the field it names. */
(function () {
  "use strict";
  const {t, el, api, live, toast, clearErrors, showError, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const R2_VARIANTS = ["cn", "itu", "ar", "br", "co", "cz", "ec", "id", "mx", "ph", "ve"];
  const R2_CATEGORIES = ["national_subscriber", "national_priority_subscriber", "international_subscriber",
                         "international_priority_subscriber", "collect_call"];
  let trunks = [];
  let editing = null;

  const trunkName = (id) => { const x = trunks.find((tr) => tr.id === id); return x ? x.name : "—"; };
  const options = (select, values, label) =>
    select.replaceChildren(...values.map((v) => el("option", {value: v}, label(v))));

  function trunkOptions(select) {
    options(select, ["", ...trunks.filter((x) => x.kind === "dahdi").map((x) => String(x.id))],
            (v) => (v ? trunkName(Number(v)) : t("hw.no_trunk")));
  }

  function alarms(span, dahdi) {
    if (!dahdi) return el("span", {class: "muted"}, t("hw.no_dahdi_short"));
    if (!span.alarms || !span.alarms.length) return el("span", {class: "badge badge-ok"}, t("hw.alarm.ok"));
    return el("span", {class: "badge badge-error"}, span.alarms.join(" "));
  }

  function spanRow(span, dahdi) {
    const line = span.signalling === "unused" ? "—"
      : `${span.framing.toUpperCase()} ${span.coding.toUpperCase()}${span.crc4 ? " CRC4" : ""}`;
    return el("tr", {dataset: {span: span.span}},
      el("td", {class: "mono"}, String(span.span)), el("td", {}, span.card),
      el("td", {}, t(`hw.sig.${span.signalling}`)), el("td", {class: "mono"}, line),
      el("td", {}, span.timing ? String(span.timing) : t("hw.timing.never")),
      el("td", {}, span.trunk ? trunkName(span.trunk) : "—"), el("td", {class: "span-alarms"}, alarms(span, dahdi)),
      el("td", {class: "col-actions"},
        el("button", {type: "button", class: "btn btn-small", onclick: () => openSpan(span)}, t("common.edit"))));
  }

  function portRow(port, dahdi) {
    const serves = port.kind === "fxs" ? (port.extension || "—") : (port.trunk ? trunkName(port.trunk) : "—");
    return el("tr", {dataset: {port: port.port}},
      el("td", {class: "mono"}, String(port.port)), el("td", {}, port.card),
      el("td", {}, port.kind ? t(`hw.kind.${port.kind}`) : t("hw.kind.none")), el("td", {class: "mono"}, serves),
      el("td", {}, dahdi ? (port.state || "—") : el("span", {class: "muted"}, t("hw.no_dahdi_short"))),
      el("td", {class: "col-actions"},
        el("button", {type: "button", class: "btn btn-small", onclick: () => openPort(port)}, t("common.edit"))));
  }

  function cardRow(card) {
    const lines = [card.spans.length && t("hw.n_spans", {n: card.spans.length}),
                   card.ports.length && t("hw.n_ports", {n: card.ports.length})].filter(Boolean).join(", ");
    const driver = card.driver_error ? el("span", {class: "badge badge-error", title: card.driver_error}, card.driver)
      : el("span", {class: "mono"}, card.driver);
    return el("tr", {}, el("td", {}, card.name), el("td", {class: "mono"}, card.profile),
      el("td", {class: "mono"}, card.pci || card.usb), el("td", {class: "mono"}, card.slot), el("td", {}, driver),
      el("td", {}, lines));
  }

  async function load(rescan) {
    pageError("");
    let doc;
    try {
      [doc, trunks] = await Promise.all([rescan === true ? api("POST", "/hardware/scan") : api("GET", "/hardware"),
                                         api("GET", "/trunks").then((d) => d.items)]);
    } catch (err) {
      pageError(err.message);
      return;
    }
    $("no-dahdi").hidden = doc.dahdi;
    $("card-rows").replaceChildren(...doc.cards.map(cardRow));
    $("cards-empty").hidden = doc.cards.length > 0;
    $("unsupported-card").hidden = !doc.unsupported.length;
    $("unsupported-rows").replaceChildren(...doc.unsupported.map((u) => el("tr", {},
      el("td", {class: "mono"}, u.pci || u.usb), el("td", {class: "mono"}, u.subsystem || "—"),
      el("td", {class: "mono"}, u.slot), el("td", {}, u.vendor || "—"))));
    const spans = doc.cards.flatMap((c) => c.spans);
    const ports = doc.cards.flatMap((c) => c.ports);
    $("spans-card").hidden = !spans.length;
    $("ports-card").hidden = !ports.length;
    $("span-rows").replaceChildren(...spans.map((s) => spanRow(s, doc.dahdi)));
    $("port-rows").replaceChildren(...ports.map((p) => portRow(p, doc.dahdi)));
    showBoard(doc);
  }

  /* Show the fieldsets of the chosen kind only. */
  function showFor(form, value) {
    for (const part of form.querySelectorAll("[data-for]")) {
      const kinds = part.dataset.for === "pri" ? ["pri_net", "pri_cpe"] : [part.dataset.for];
      part.hidden = !kinds.includes(value);
    }
  }

  const spanDialog = $("span-dialog");
  const spanForm = spanDialog.querySelector("form");
  const portDialog = $("port-dialog");
  const portForm = portDialog.querySelector("form");
  options(spanForm.elements.r2_variant, R2_VARIANTS, (v) => t(`hw.r2.${v}`));
  options(spanForm.elements.r2_category, R2_CATEGORIES, (v) => t(`hw.cat.${v}`));
  spanForm.elements.signalling.addEventListener("change", (e) => {
    showFor(spanForm, e.target.value);
    spanForm.elements.framing.value = e.target.value === "mfcr2" ? "cas" : "ccs";
  });
  portForm.elements.kind.addEventListener("change", (e) => showFor(portForm, e.target.value));

  function openSpan(span) {
    editing = span;
    clearErrors(spanForm);
    const f = spanForm.elements;
    trunkOptions(f.trunk);
    for (const name of ["signalling", "framing", "coding", "timing", "switchtype", "r2_variant", "r2_max_ani",
                        "r2_max_dnis", "r2_category"]) f[name].value = span[name];
    for (const name of ["crc4", "overlap", "r2_double_answer"]) f[name].checked = span[name];
    f.trunk.value = span.trunk ? String(span.trunk) : "";
    showFor(spanForm, span.signalling);
    spanDialog.querySelector(".dialog-title").textContent = t("hw.span_title", {n: span.span});
    spanDialog.showModal();
  }

  function openPort(port) {
    editing = port;
    clearErrors(portForm);
    const f = portForm.elements;
    trunkOptions(f.trunk);
    for (const opt of f.kind.options) opt.disabled = !port.kinds.includes(opt.value);
    f.kind.value = port.kind || port.kinds[0];
    f.extension.value = port.extension || "";
    f.trunk.value = port.trunk ? String(port.trunk) : "";
    showFor(portForm, f.kind.value);
    portDialog.querySelector(".dialog-title").textContent = t("hw.port_title", {n: port.port});
    portDialog.showModal();
  }

  function submit(form, dialog, path, body) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        await api("PUT", path(), body(form.elements));
        dialog.close();
        toast(t("hw.saved"));
        load();
      } catch (err) {
        showError(form, err);
      }
    });
  }

  submit(spanForm, spanDialog, () => `/hardware/spans/${editing.span}`, (f) => ({
    signalling: f.signalling.value, framing: f.framing.value, coding: f.coding.value, crc4: f.crc4.checked,
    timing: Number(f.timing.value || 0), switchtype: f.switchtype.value, overlap: f.overlap.checked,
    r2_variant: f.r2_variant.value, r2_max_ani: Number(f.r2_max_ani.value), r2_max_dnis: Number(f.r2_max_dnis.value),
    r2_category: f.r2_category.value, r2_double_answer: f.r2_double_answer.checked,
    trunk: f.trunk.value ? Number(f.trunk.value) : null}));
  submit(portForm, portDialog, () => `/hardware/ports/${editing.port}`, (f) => (f.kind.value === "fxs"
    ? {kind: "fxs", extension: f.extension.value.trim() || null}
    : {kind: "fxo", trunk: f.trunk.value ? Number(f.trunk.value) : null}));

  /* DAHDI's alarms as they change (the box looks every second): red, yellow, blue, loss of signal. */
  live({span_alarms: (doc) => {
    for (const span of doc.spans) {
      const cell = document.querySelector(`#span-rows tr[data-span="${span.span}"] .span-alarms`);
      if (cell) cell.replaceChildren(alarms(span, true));
    }
  },
  /* A sensor alarm raised or cleared (the box looks every 10 s): readings and panel again. */
  sensor_alarms: () => { api("GET", "/hardware").then(showBoard).catch(() => {}); }});

  /* The looped software spans (a box setting): the box refuses them where it has no DAHDI. */
  const software = $("software-spans");
  api("GET", "/settings").then((s) => { software.checked = s.software_spans; }).catch(() => {});
  software.addEventListener("change", async () => {
    pageError("");
    try {
      await api("PATCH", "/settings", {software_spans: software.checked});
      toast(t(software.checked ? "hw.software_on" : "hw.software_off"));
      load();
    } catch (err) {
      software.checked = !software.checked;
      pageError(err.message);
    }
  });

  /* The board's sensors and front panel, where the box model declares them; the CPU's own
     temperature wherever the kernel reports one. */
  function level(reading) {
    if (!reading.level) return el("span", {class: "muted"}, "—");
    return el("span", {class: `badge ${reading.level === "ok" ? "badge-ok" : "badge-error"}`},
              t(`hw.level.${reading.level}`));
  }

  function sensorRow(r) {
    const value = r.value === null ? "—" : `${r.value} ${r.unit}`;
    const limits = r.measures === "temperature" ? t("hw.limits_temperature", {high: r.high, critical: r.critical})
      : t("hw.limits_fan", {min: r.min_rpm});
    return el("tr", {dataset: {sensor: r.name}}, el("td", {}, r.name),
      el("td", {class: "mono"}, `${r.chip} · ${r.bus} · ${r.address}`), el("td", {class: "mono sensor-value"}, value),
      el("td", {class: "muted"}, limits), el("td", {class: "sensor-level"}, level(r)));
  }

  function showBoard(doc) {
    const sensors = doc.sensors;
    const rows = sensors.readings.map(sensorRow);
    if (sensors.cpu_celsius !== null) {
      rows.push(el("tr", {dataset: {sensor: "cpu"}}, el("td", {}, t("hw.cpu")), el("td", {class: "mono"}, "hwmon"),
        el("td", {class: "mono sensor-value"}, `${sensors.cpu_celsius} °C`), el("td", {class: "muted"}, t("hw.cpu_limits")),
        el("td", {}, el("span", {class: "muted"}, "—"))));
    }
    $("sensor-rows").replaceChildren(...rows);
    $("board-model").textContent = doc.board.model || "";
    $("board-error").hidden = !doc.board.error;
    $("board-error").textContent = doc.board.error ? t("hw.board_error", {error: doc.board.error}) : "";
    $("sensors-card").hidden = !rows.length && !doc.board.error;
    const panel = doc.panel;
    $("panel-card").hidden = !panel.declared;
    if (!panel.declared) return;
    $("panel-spec").textContent = `${panel.columns}×${panel.rows} · ${panel.driver} · ${panel.bus} · ${panel.address}`;
    const lines = Array.from({length: panel.rows}, (_, i) => (panel.lines[i] || "").padEnd(panel.columns));
    $("panel-lines").textContent = lines.join("\n");
    $("panel-error").hidden = !panel.error;
    $("panel-error").textContent = panel.error ? t("hw.panel_error", {error: panel.error}) : "";
  }

  $("refresh").addEventListener("click", () => load(true));
  load();
})();
