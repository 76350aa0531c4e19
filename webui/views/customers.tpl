% rebase('layout')
% staff = user.role in ('admin', 'supervisor')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions">
    <button class="btn btn-primary" id="add" type="button">{{_('cust.add')}}</button>
    % if staff:
    <button class="btn" id="import" type="button">{{_('ext.import')}}</button>
    <a class="btn" id="export" href="/api/v1/customers/export" download>{{_('ext.export')}}</a>
    % end
  </div>
</div>
<section class="card table-card">
  <form class="table-tools" id="search-form" role="search">
    <input type="search" id="search" class="search" placeholder="{{_('cust.search')}}" aria-label="{{_('cust.search')}}" autocomplete="off">
    <span class="muted" id="summary"></span>
  </form>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('cust.col.name')}}</th><th>{{_('cust.col.company')}}</th><th>{{_('cust.col.level')}}</th>
      <th>{{_('cust.col.numbers')}}</th><th>{{_('cust.col.notes')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted" id="empty-text"></p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>

% if staff:
<section class="card table-card" id="levels">
  <div class="card-head">
    <h2>{{_('cust.levels')}}</h2>
    <button class="btn btn-small" id="levels-add" type="button">{{_('cust.level_add')}}</button>
  </div>
  <p class="muted card-intro">{{_('cust.levels_intro')}}</p>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr><th>{{_('cust.col.level')}}</th><th>{{_('cust.col.priority')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
    <tbody id="levels-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="levels-empty" hidden><p class="muted">{{_('cust.levels_none')}}</p></div>
</section>

<dialog id="levels-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('cust.col.level')}}</span>
        <input name="name" autocomplete="off" required maxlength="40">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('cust.col.priority')}}</span>
        <input name="priority" type="number" min="-10" max="100" required>
        <span class="hint">{{_('cust.priority_hint')}}</span>
        <span class="field-error" data-error-for="priority" hidden></span></label>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('import', heading=_('cust.imp.title'), intro=_('cust.imp.intro'), sample='name,numbers,company,level,notes')
% end

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('cust.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="100">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('cust.f.company')}}</span>
        <input name="company" autocomplete="off" maxlength="100">
        <span class="field-error" data-error-for="company" hidden></span></label>
    </div>
    <div class="field"><span class="label">{{_('cust.f.numbers')}}</span>
      <div class="stack tight" id="numbers"></div>
      <div><button class="btn btn-small" type="button" id="add-number">{{_('cust.add_number')}}</button></div>
      <span class="hint">{{_('cust.numbers_hint')}}</span>
      <span class="field-error" data-error-for="numbers" hidden></span></div>
    % if staff:
    <label class="field"><span class="label">{{_('cust.f.level')}}</span>
      <select name="level" id="level"></select>
      <span class="hint">{{_('cust.level_hint')}}</span>
      <span class="field-error" data-error-for="level" hidden></span></label>
    % end
    <label class="field"><span class="label">{{_('cust.f.notes')}}</span>
      <textarea name="notes" rows="3" maxlength="2000"></textarea>
      <span class="field-error" data-error-for="notes" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="calls-dialog" class="dialog dialog-wide">
  <div class="stack">
    <h2 id="calls-title"></h2>
    <div class="table-wrap">
    <table class="table compact">
      <thead><tr><th>{{_('hist.col.entered')}}</th><th>{{_('hist.col.caller')}}</th><th>{{_('hist.col.queue')}}</th>
        <th>{{_('hist.col.agent')}}</th><th>{{_('hist.col.wait')}}</th><th>{{_('hist.col.talk')}}</th>
        <th>{{_('hist.col.outcome')}}</th></tr></thead>
      <tbody id="calls-rows"></tbody>
    </table>
    </div>
    <p class="muted" id="calls-none" hidden>{{_('cust.no_calls')}}</p>
    <div class="dialog-actions"><button class="btn btn-primary" type="button" data-close>{{_('common.close')}}</button></div>
  </div>
</dialog>

<dialog id="sms-dialog" class="dialog dialog-wide">
  <div class="stack">
    <h2 id="sms-title"></h2>
    % if staff:
    <label class="switch"><input type="checkbox" id="sms-opt-out"> <span>{{_('cust.sms.opt_out')}}</span></label>
    % else:
    <p class="muted" id="sms-opted-out" hidden>{{_('cust.sms.opted_out')}}</p>
    % end
    <form id="sms-form" class="stack" novalidate>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('sms.send.to')}}</span>
          <select name="to" id="sms-to"></select>
          <span class="field-error" data-error-for="to" hidden></span></label>
      </div>
      <label class="field"><span class="label">{{_('sms.send.text')}}</span>
        <textarea name="text" rows="3" maxlength="1000" required></textarea>
        <span class="field-error" data-error-for="text" hidden></span></label>
      <div><button class="btn btn-primary" type="submit" id="sms-send">{{_('sms.send.go')}}</button></div>
    </form>
    <div class="table-wrap">
    <table class="table compact">
      <thead><tr><th>{{_('sms.col.time')}}</th><th>{{_('sms.col.direction')}}</th><th>{{_('sms.col.number')}}</th>
        <th>{{_('sms.col.text')}}</th><th>{{_('sms.col.state')}}</th></tr></thead>
      <tbody id="sms-rows"></tbody>
    </table>
    </div>
    <p class="muted" id="sms-none" hidden>{{_('cust.sms.none')}}</p>
    <div class="dialog-actions"><button class="btn btn-primary" type="button" data-close>{{_('common.close')}}</button></div>
  </div>
</dialog>

% include('confirm')
