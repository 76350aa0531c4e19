% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('tc.add')}}</button></div>
</div>
<p class="muted intro">{{_('tc.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('tc.col.name')}}</th><th>{{_('tc.col.code')}}</th><th>{{_('tc.col.now')}}</th>
      <th>{{_('tc.col.matched')}}</th><th>{{_('tc.col.unmatched')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('tc.none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tc.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="60">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('tc.f.code')}}</span>
        <input name="code" type="number" min="1" max="99" placeholder="{{_('tc.f.code_auto')}}">
        <span class="hint">{{_('tc.f.code_hint')}}</span>
        <span class="field-error" data-error-for="code" hidden></span></label>
    </div>
    <div class="field"><span class="label">{{_('tc.f.rules')}}</span>
      <div id="rules" class="stack"></div>
      <button class="btn btn-small" type="button" id="add-rule">{{_('tc.f.add_rule')}}</button>
      <span class="field-error" data-error-for="rules" hidden></span></div>
    <div class="field"><span class="label">{{_('tc.f.holidays')}}</span>
      <div id="holidays" class="stack"></div>
      <button class="btn btn-small" type="button" id="add-holiday">{{_('tc.f.add_holiday')}}</button>
      <span class="hint">{{_('tc.f.holidays_hint')}}</span>
      <span class="field-error" data-error-for="holidays" hidden></span></div>
    <div class="row-2">
      <div class="field"><span class="label">{{_('tc.f.matched')}}</span>
        <div id="matched"></div>
        <span class="field-error" data-error-for="matched" hidden></span></div>
      <div class="field"><span class="label">{{_('tc.f.unmatched')}}</span>
        <div id="unmatched"></div>
        <span class="field-error" data-error-for="unmatched" hidden></span></div>
    </div>
    <label class="field"><span class="label">{{_('tc.f.override')}}</span>
      <select name="override">
        <option value="">{{_('tc.override.none')}}</option>
        <option value="matched">{{_('tc.override.matched')}}</option>
        <option value="unmatched">{{_('tc.override.unmatched')}}</option>
      </select>
      <span class="field-error" data-error-for="override" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>
<input type="file" id="ical-file" accept=".ics,text/calendar" hidden>

% include('confirm')
