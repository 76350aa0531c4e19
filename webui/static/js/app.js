/* Shared by every page: strings, the API client, live events, small DOM helpers.
   Pages never build HTML from strings: text goes in with textContent. */
(function () {
  "use strict";

  const boot = JSON.parse(document.body.dataset.boot || "{}");
  const strings = boot.strings || {};

  function t(key, vars) {
    let text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      for (const name of Object.keys(vars)) text = text.split("{" + name + "}").join(String(vars[name]));
    }
    return text;
  }

  /* el("td", {class: "x", dataset: {n: 1}, onclick: f}, "text", child) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, doc) {
      super((doc && doc.error) || t("error.network"));
      this.status = status;
      this.field = doc ? doc.field : null;
      this.doc = doc || {};
    }
  }

  async function api(method, path, body, options) {
    const opts = options || {};
    const headers = {"Accept": "application/json", ...(opts.headers || {})};
    if (method !== "GET") headers["X-CSRF-Token"] = boot.csrf;
    let data;
    if (opts.form !== undefined) {
      data = opts.form;  // FormData: the browser writes the multipart Content-Type and its boundary
    } else if (opts.raw !== undefined) {
      data = opts.raw;
      headers["Content-Type"] = opts.contentType || "application/octet-stream";
    } else if (body !== undefined) {
      data = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch("/api/v1" + path, {method, headers, body: data, credentials: "same-origin"});
    } catch (e) {
      throw new ApiError(0, {error: t("error.network")});
    }
    if (response.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new ApiError(401, {error: t("error.signed_out")});
    }
    const type = response.headers.get("Content-Type") || "";
    const doc = type.includes("json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, doc);
    return doc;
  }

  /* One EventSource per page, opened by the first caller (a page, a call button); handlers by topic. */
  let source = null;
  function live(handlers) {
    if (!source) {
      const badge = document.getElementById("live");
      const stream = source = new EventSource("/api/v1/events");
      const show = (state) => {
        if (!badge) return;
        badge.dataset.state = state;
        badge.querySelector(".live-text").textContent = t("live." + state);
      };
      if (badge) badge.hidden = false;
      stream.addEventListener("open", () => show("on"));
      stream.addEventListener("error", () => show(stream.readyState === EventSource.CLOSED ? "off" : "connecting"));
      window.addEventListener("pagehide", () => stream.close());
    }
    for (const [topic, handler] of Object.entries(handlers)) {
      source.addEventListener(topic, (e) => handler(JSON.parse(e.data)));
    }
    return source;
  }

  function toast(message, kind) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.dataset.kind = kind || "ok";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  /* Errors of a form: next to the field the API names, else at the top. */
  function clearErrors(form) {
    for (const slot of form.querySelectorAll("[data-error-for]")) { slot.hidden = true; slot.textContent = ""; }
    for (const field of form.querySelectorAll(".has-error")) field.classList.remove("has-error");
  }

  /* The slot for a field; "options.2" falls back to the slot of "options". */
  function errorSlot(form, field) {
    for (let name = field; name; name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "") {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (slot) return slot;
    }
    return null;
  }

  function showError(form, error) {
    const field = error.field || "";
    let slot = errorSlot(form, field);
    const message = error.message || String(error);
    if (!slot) slot = form.querySelector('[data-error-for=""]');
    if (!slot) { toast(message, "error"); return; }
    slot.textContent = message;
    slot.hidden = false;
    const wrapper = slot.closest(".field");
    if (wrapper) wrapper.classList.add("has-error");
    const input = field && form.elements[field];
    if (input && input.focus) input.focus();
  }

  /* A refusal that belongs to no form (a delete that is in use, say): shown atop the page until the next action. */
  function pageError(message) {
    const box = document.getElementById("page-error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) box.scrollIntoView({block: "nearest"});
  }

  /* A comma- or space-separated field as a list, and back; an optional field's empty value is null. */
  const splitList = (text) => text.split(/[\s,;]+/).filter(Boolean);
  const joinList = (values) => (values || []).join(", ");
  const optional = (input) => input.value.trim() || null;

  /* Prev and next over a server's pages (#prev, #next and #page-info in the page): fetchPage(page) shows
     that page and answers how many items there are in all (undefined when it failed); .go(n) opens page n,
     .reload() the same page again, .page is the page shown. */
  function pager(perPage, fetchPage) {
    const $ = (id) => document.getElementById(id);
    let current = 1;
    async function go(page) {
      current = Math.max(1, page);
      const total = await fetchPage(current);
      if (total === undefined) return;
      const pages = Math.max(1, Math.ceil(total / perPage));
      if (current > pages) { go(pages); return; }  // the last page emptied meanwhile
      $("page-info").textContent = t("ext.page_of", {page: current, pages});
      $("prev").disabled = current <= 1;
      $("next").disabled = current >= pages;
    }
    $("prev").addEventListener("click", () => go(current - 1));
    $("next").addEventListener("click", () => go(current + 1));
    return {go, reload: () => go(current), get page() { return current; }};
  }

  function confirmDialog(title, text, okLabel) {
    const dialog = document.getElementById("confirm-dialog");
    dialog.querySelector("#confirm-title").textContent = title;
    dialog.querySelector("#confirm-text").textContent = text;
    dialog.querySelector("#confirm-ok").textContent = okLabel;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), {once: true});
    });
  }

  /* On a phone the menu is a row that scrolls sideways: this page's entry in sight. */
  const menu = document.querySelector(".sidebar");
  const here = menu && menu.querySelector(".nav-link.active");
  if (here && menu.scrollWidth > menu.clientWidth) {
    menu.scrollLeft = here.getBoundingClientRect().left - menu.getBoundingClientRect().left - 12;
  }

  /* Buttons with data-close close their dialog. */
  document.addEventListener("click", (e) => {
    const closer = e.target.closest("[data-close]");
    if (closer) closer.closest("dialog").close();
  });

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) return t("time.dh", {d, h});
    if (h) return t("time.hm", {h, m});
    if (m) return t("time.ms", {m, s: s % 60});
    return t("time.s", {s});
  }

  function clock(seconds) {
    const s = Math.max(0, Math.round(seconds || 0));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function dateTime(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return iso || "—";
    return date.toLocaleString(boot.lang === "zh" ? "zh-CN" : "en-GB",
      {year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"});
  }

  function bytes(n) {
    if (!n && n !== 0) return "—";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  window.Callbox = {boot, t, el, api, ApiError, live, toast, clearErrors, showError, pageError, confirmDialog,
                    splitList, joinList, optional, duration, clock, dateTime, bytes, pager};
})();
