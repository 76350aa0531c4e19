% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<div class="grid cards-2 top">
  <section class="card table-card">
    <div class="card-head">
      <h2>{{_('ccs.reasons')}}</h2>
      <button class="btn btn-small" id="add" type="button">{{_('ccs.reason_add')}}</button>
    </div>
    <p class="muted card-intro">{{_('ccs.reasons_intro')}}</p>
    <div class="table-wrap">
    <table class="table compact">
      <thead><tr><th>{{_('ccs.col.reason')}}</th><th>{{_('ccs.col.phone_code')}}</th>
        <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
    </div>
    <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('ccs.reasons_none')}}</p></div>
  </section>

  <div class="stack">
    <form class="card stack settings-form" id="recording-form" novalidate>
      <h2>{{_('ccs.recordings')}}</h2>
      <p class="muted">{{_('ccs.recordings_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('ccs.retention')}}</span>
          <input name="recording_retention_days" type="number" min="1" max="3650" required>
          <span class="field-error" data-error-for="recording_retention_days" hidden></span></label>
        <label class="field"><span class="label">{{_('ccs.quota')}}</span>
          <input name="recording_quota_mb" type="number" min="100" max="10000000" required>
          <span class="field-error" data-error-for="recording_quota_mb" hidden></span></label>
      </div>
      <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>

    <form class="card stack settings-form" id="call-data-form" novalidate>
      <h2>{{_('ccs.call_data')}}</h2>
      <p class="muted">{{_('ccs.call_data_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('ccs.event_days')}}</span>
          <input name="call_event_retention_days" type="number" min="1" max="3650" required>
          <span class="field-error" data-error-for="call_event_retention_days" hidden></span></label>
        <label class="field"><span class="label">{{_('ccs.record_months')}}</span>
          <input name="call_record_retention_months" type="number" min="0" max="1200" required>
          <span class="field-error" data-error-for="call_record_retention_months" hidden></span></label>
      </div>
      <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>

    <form class="card stack settings-form" id="language-form" novalidate>
      <h2>{{_('lang.box_title')}}</h2>
      <p class="muted">{{_('lang.box_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      % include('language_field', inherit=False)
      <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>

    <form class="card stack settings-form" id="lookup-form" novalidate>
      <h2>{{_('ccs.lookup')}}</h2>
      <p class="muted">{{_('ccs.lookup_intro')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="field"><span class="label">{{_('ccs.lookup_url')}}</span>
        <input name="customer_lookup_url" type="url" class="mono" placeholder="https://crm.example.com/callbox" maxlength="500" autocomplete="off">
        <span class="hint">{{_('ccs.lookup_url_hint')}}</span>
        <span class="field-error" data-error-for="customer_lookup_url" hidden></span></label>
      <label class="field"><span class="label">{{_('ccs.lookup_timeout')}}</span>
        <input name="customer_lookup_timeout_ms" type="number" min="100" max="5000" required>
        <span class="hint">{{_('ccs.lookup_timeout_hint')}}</span>
        <span class="field-error" data-error-for="customer_lookup_timeout_ms" hidden></span></label>
      <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>
  </div>
</div>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('ccs.col.reason')}}</span>
        <input name="name" autocomplete="off" required maxlength="40">
        <span class="field-error" data-error-for="name" hidden></span></label>
      <label class="field"><span class="label">{{_('ccs.code')}}</span>
        <input name="code" type="number" min="1" max="9" required>
        <span class="hint">{{_('ccs.code_hint')}}</span>
        <span class="field-error" data-error-for="code" hidden></span></label>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
