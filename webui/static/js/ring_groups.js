/* Ring groups: one number that rings its members all at once or in order, then goes
   where unanswered calls go. */
(function () {
  "use strict";
  const {t, el, crud, describe, destinationPicker, orderedList, extensionChoices, loadCatalogue, pageError} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  let members, noAnswer;

  const page = crud({
    path: "/ring-groups",
    key: (g) => g.number,
    name: (g) => `${g.number} ${g.name}`,
    title: (g) => (g ? t("rg.edit_title", {number: g.number}) : t("rg.add_title")),
    deleteText: (g) => t("rg.delete_text", {name: g.name}),
    before: loadCatalogue,
    cells: (g) => [
      el("td", {class: "mono"}, g.number),
      el("td", {}, g.name),
      el("td", {}, t("rg.strategy." + g.strategy)),
      el("td", {class: "mono"}, g.members.join(", ")),
      el("td", {}, describe(g.no_answer))],
    fill(form, g) {
      const f = form.elements;
      f.number.value = g ? g.number : "";
      f.number.readOnly = !!g;
      f.name.value = g ? g.name : "";
      f.strategy.value = g ? g.strategy : "ringall";
      f.ring_seconds.value = g ? g.ring_seconds : 20;
      members = orderedList("members", extensionChoices(), g ? g.members : []);
      $("members").replaceChildren(members);
      noAnswer = destinationPicker("no_answer", g ? g.no_answer : {kind: "hangup", target: null});
      $("no-answer").replaceChildren(noAnswer);
    },
    body(form, g) {
      const f = form.elements;
      const body = {name: f.name.value.trim(), strategy: f.strategy.value, ring_seconds: Number(f.ring_seconds.value),
                    members: members.value, no_answer: noAnswer.value};
      if (!g) body.number = f.number.value.trim();
      return body;
    },
  });

  loadCatalogue().then(page.load, (err) => pageError(err.message));
})();
