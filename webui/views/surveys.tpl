% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions">
    <button class="btn" id="s-add" type="button">{{_('sv.add')}}</button>
    <button class="btn btn-primary" id="c-add" type="button">{{_('sv.c.add')}}</button>
  </div>
</div>
<p class="muted intro">{{_('sv.intro')}}</p>

<section class="card table-card">
  <div class="card-head"><h2>{{_('sv.surveys')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('sv.col.name')}}</th><th>{{_('sv.col.questions')}}</th><th>{{_('sv.col.language')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="s-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="s-empty" hidden><p class="muted">{{_('sv.none')}}</p></div>
</section>

<section class="card table-card">
  <div class="card-head"><h2>{{_('sv.campaigns')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('sv.c.col.name')}}</th><th>{{_('sv.c.col.survey')}}</th><th>{{_('sv.c.col.status')}}</th>
      <th>{{_('sv.c.col.progress')}}</th><th>{{_('sv.c.col.pace')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="c-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="c-empty" hidden><p class="muted">{{_('sv.c.none')}}</p></div>
</section>

<section class="card" id="results" hidden>
  <div class="page-head">
    <h2 id="results-title"></h2>
    <div class="actions"><a class="btn" id="export" href="#" download>{{_('sv.r.export')}}</a></div>
  </div>
  <div class="state-counts" id="outcomes"></div>
  <h3>{{_('sv.r.questions')}}</h3>
  <div class="table-wrap">
  <table class="table" id="question-results">
    <thead><tr><th>{{_('sv.r.question')}}</th><th>{{_('sv.r.answers')}}</th><th>{{_('sv.r.keys')}}</th>
      <th>{{_('sv.r.average')}}</th></tr></thead>
    <tbody></tbody>
  </table>
  </div>
  <div id="numbers-part">
  <h3>{{_('sv.r.numbers')}}</h3>
  <div class="table-wrap">
  <table class="table" id="number-results">
    <thead><tr><th>{{_('sv.r.number')}}</th><th>{{_('sv.r.outcome')}}</th><th>{{_('sv.r.attempts')}}</th></tr></thead>
    <tbody></tbody>
  </table>
  </div>
  </div>
</section>

<dialog id="s-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('sv.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="60">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('sv.f.language')}}</span>
        <select name="language">
          <option value="">{{_('sv.f.language_box')}}</option>
          <option value="en">English</option>
          <option value="zh">中文</option>
        </select>
        <span class="field-error" data-error-for="language" hidden></span></label>
    </div>
    <fieldset class="form-section">
      <legend>{{_('sv.f.questions')}}</legend>
      <p class="hint">{{_('sv.f.questions_hint')}}</p>
      <div id="questions" class="stack"></div>
      <span class="field-error" data-error-for="questions" hidden></span>
      <div><button class="btn btn-small" type="button" id="add-question">{{_('sv.f.add_question')}}</button></div>
    </fieldset>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="c-edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('sv.c.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="60">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('sv.c.f.survey')}}</span>
        <select name="survey"></select>
        <span class="field-error" data-error-for="survey" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('sv.c.f.numbers')}}</span>
      <textarea name="numbers" rows="5" autocomplete="off"></textarea>
      <span class="hint">{{_('sv.c.f.numbers_hint')}}</span>
      <span class="field-error" data-error-for="numbers" hidden></span></label>
    <label class="field"><span class="label">{{_('sv.c.f.file')}}</span>
      <input name="file" type="file" accept=".csv,text/csv">
      <span class="hint">{{_('sv.c.f.file_hint')}}</span>
      <span class="field-error" data-error-for="numbers_csv" hidden></span></label>
    <label class="field"><span class="label">{{_('sv.c.f.permission_class')}}</span>
      <select name="permission_class"></select>
      <span class="hint">{{_('sv.c.f.permission_class_hint')}}</span>
      <span class="field-error" data-error-for="permission_class" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('sv.c.f.calls_at_once')}}</span>
        <input name="calls_at_once" type="number" min="1" max="30" required>
        <span class="field-error" data-error-for="calls_at_once" hidden></span></label>
      <label class="field"><span class="label">{{_('sv.c.f.calls_per_minute')}}</span>
        <input name="calls_per_minute" type="number" min="1" max="120" required>
        <span class="field-error" data-error-for="calls_per_minute" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('sv.c.f.hours_from')}}</span>
        <input name="hours_from" autocomplete="off" required maxlength="5" placeholder="09:00">
        <span class="field-error" data-error-for="hours_from" hidden></span></label>
      <label class="field"><span class="label">{{_('sv.c.f.hours_to')}}</span>
        <input name="hours_to" autocomplete="off" required maxlength="5" placeholder="20:00">
        <span class="hint">{{_('sv.c.f.hours_hint')}}</span>
        <span class="field-error" data-error-for="hours_to" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('sv.c.f.retries')}}</span>
        <input name="retries" type="number" min="0" max="5" required>
        <span class="hint">{{_('sv.c.f.retries_hint')}}</span>
        <span class="field-error" data-error-for="retries" hidden></span></label>
      <label class="field"><span class="label">{{_('sv.c.f.retry_minutes')}}</span>
        <input name="retry_minutes" type="number" min="1" max="1440" required>
        <span class="field-error" data-error-for="retry_minutes" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('sv.c.f.ring_seconds')}}</span>
      <input name="ring_seconds" type="number" min="10" max="120" required>
      <span class="field-error" data-error-for="ring_seconds" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
