% rebase('layout')
<div class="page-head"><h1>{{title}}</h1></div>
<p class="muted intro">{{_('tks.intro')}}</p>
<section class="card table-card">
  <div class="card-head">
    <h2>{{_('tks.departments')}}</h2>
    <button class="btn btn-small" id="dep-add" type="button">{{_('tks.dep_add')}}</button>
  </div>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr><th>{{_('tks.col.name')}}</th><th>{{_('tks.col.phone')}}</th><th>{{_('tks.col.email')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="dep-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="dep-empty" hidden><p class="muted">{{_('tks.dep_none')}}</p></div>
</section>
<section class="card table-card">
  <div class="card-head">
    <h2>{{_('tks.categories')}}</h2>
    <button class="btn btn-small" id="cat-add" type="button">{{_('tks.cat_add')}}</button>
  </div>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr><th>{{_('tks.col.category')}}</th><th>{{_('tks.col.limit')}}</th><th>{{_('tks.col.department')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="cat-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="cat-empty" hidden><p class="muted">{{_('tks.cat_none')}}</p></div>
</section>
<section class="card">
  <form id="remind-form" class="stack" novalidate>
    <h2>{{_('tks.remind')}}</h2>
    <p class="muted">{{_('tks.remind_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tks.remind_before')}}</span>
        <input name="ticket_remind_before_minutes" class="mono" autocomplete="off" maxlength="40">
        <span class="hint">{{_('tks.remind_before_hint')}}</span>
        <span class="field-error" data-error-for="ticket_remind_before_minutes" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.remind_repeat')}}</span>
        <input name="ticket_overdue_repeat_minutes" type="number" min="0" max="10080" required>
        <span class="hint">{{_('tks.remind_repeat_hint')}}</span>
        <span class="field-error" data-error-for="ticket_overdue_repeat_minutes" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.escalate_after')}}</span>
        <input name="ticket_escalate_after_minutes" type="number" min="0" max="10080" required>
        <span class="hint">{{_('tks.escalate_after_hint')}}</span>
        <span class="field-error" data-error-for="ticket_escalate_after_minutes" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.escalate_to')}}</span>
        <input name="ticket_escalation_email" autocomplete="off" maxlength="400">
        <span class="hint">{{_('tks.escalate_to_hint')}}</span>
        <span class="field-error" data-error-for="ticket_escalation_email" hidden></span></label>
    </div>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
<section class="card">
  <form id="mailbox-form" class="stack" novalidate>
    <h2>{{_('tks.mailboxes')}}</h2>
    <p class="muted">{{_('tks.mailboxes_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tks.mailboxes_numbers')}}</span>
        <input name="ticket_mailboxes" class="mono" autocomplete="off" maxlength="100">
        <span class="hint">{{_('tks.mailboxes_hint')}}</span>
        <span class="field-error" data-error-for="ticket_mailboxes" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.mailboxes_kind')}}</span>
        <select name="ticket_mailbox_kind"></select>
        <span class="field-error" data-error-for="ticket_mailbox_kind" hidden></span></label>
    </div>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>

<dialog id="dep-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('tks.col.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="100">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tks.col.phone')}}</span>
        <input name="phone" inputmode="tel" autocomplete="off" maxlength="32">
        <span class="field-error" data-error-for="phone" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.col.email')}}</span>
        <input name="email" type="email" autocomplete="off">
        <span class="field-error" data-error-for="email" hidden></span></label>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="cat-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tks.col.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="100">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.f.parent')}}</span>
        <select name="parent"></select>
        <span class="field-error" data-error-for="parent" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tks.col.limit')}}</span>
        <input name="time_limit_hours" type="number" min="1" max="8760">
        <span class="hint">{{_('tks.limit_hint')}}</span>
        <span class="field-error" data-error-for="time_limit_hours" hidden></span></label>
      <label class="field"><span class="label">{{_('tks.col.department')}}</span>
        <select name="department"></select>
        <span class="field-error" data-error-for="department" hidden></span></label>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
