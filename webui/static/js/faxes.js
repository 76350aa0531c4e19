/* Received faxes: who sent them, to which number, the pages that arrived (as PDF), and why one
   that did not arrive whole failed; delete after confirming. */
(function () {
  "use strict";
  const {t, el, api, toast, dateTime, pager, confirmDialog} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const PER_PAGE = 50;

  function status(f) {
    const words = [t("fax.status." + f.status)];
    if (f.detected) words.push(t("fax.detected"));
    return el("td", {title: f.error || ""}, words.join(" · "), f.error ? el("div", {class: "muted"}, f.error) : "");
  }

  function row(f) {
    const pdf = `/api/v1/faxes/${f.id}/pdf`;
    return el("tr", {dataset: {id: f.id, status: f.status}},
      el("td", {}, dateTime(f.received_at)),
      el("td", {class: "mono"}, f.from || t("fax.unknown"), f.remote_station ? el("div", {class: "muted"}, f.remote_station) : ""),
      el("td", {class: "mono"}, f.to || ""),
      el("td", {}, String(f.pages)),
      status(f),
      el("td", {}, f.pdf_available ? [el("a", {href: pdf, target: "_blank", rel: "noopener"}, t("fax.open")), " ",
                                      el("a", {href: pdf + "?download=1"}, t("fax.download"))] : "—"),
      el("td", {class: "col-actions"},
         el("button", {type: "button", class: "btn btn-small btn-danger", onclick: () => remove(f)}, t("fax.delete"))));
  }

  async function load(page) {
    let doc;
    try {
      doc = await api("GET", "/faxes?" + new URLSearchParams({page, per_page: PER_PAGE}));
    } catch (err) {
      toast(err.message, "error");
      return undefined;
    }
    $("rows").replaceChildren(...doc.items.map(row));
    $("empty").hidden = doc.items.length > 0;
    return doc.total;
  }

  const pages = pager(PER_PAGE, load);

  async function remove(f) {
    if (!await confirmDialog(t("fax.delete_title"), t("fax.delete_text", {from: f.from || t("fax.unknown")}),
                             t("fax.delete"))) return;
    try {
      await api("DELETE", `/faxes/${f.id}`);
      pages.reload();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  pages.go(1);

  /* Administrators: the addresses each received fax is mailed to (a box setting). */
  const form = document.getElementById("fax-mail-form");
  if (form) {
    const {clearErrors, showError, pageError} = window.Callbox;
    const show = (settings) => { form.elements.fax_email.value = settings.fax_email.join(", "); };
    api("GET", "/settings").then(show, (err) => pageError(err.message));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const addresses = form.elements.fax_email.value.split(/[\s,;]+/).filter(Boolean);
      try {
        show(await api("PATCH", "/settings", {fax_email: addresses}));
        toast(t("fax.mail.saved"));
      } catch (err) {
        showError(form, err);
      }
    });
  }
})();
