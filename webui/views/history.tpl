% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<section class="card table-card">
  <form class="table-tools filters" id="filter" role="search" novalidate>
    <label class="field"><span class="label">{{_('hist.f.queue')}}</span>
      <select name="queue" id="f-queue"><option value="">{{_('hist.any')}}</option></select></label>
    <label class="field"><span class="label">{{_('hist.f.agent')}}</span>
      <select name="agent" id="f-agent"><option value="">{{_('hist.any')}}</option></select></label>
    <label class="field"><span class="label">{{_('hist.f.outcome')}}</span>
      <select name="outcome" id="f-outcome">
        <option value="">{{_('hist.any')}}</option>
        % for o in ('answered', 'abandoned', 'timed_out', 'overflowed', 'called_back', 'waiting'):
        <option value="{{o}}">{{_('hist.outcome.' + o)}}</option>
        % end
      </select></label>
    <label class="field"><span class="label">{{_('hist.f.from')}}</span>
      <input type="date" name="from">
      <span class="field-error" data-error-for="from" hidden></span></label>
    <label class="field"><span class="label">{{_('hist.f.to')}}</span>
      <input type="date" name="to">
      <span class="field-error" data-error-for="to" hidden></span></label>
    <div class="filter-actions">
      <button class="btn btn-primary" type="submit">{{_('hist.apply')}}</button>
      <button class="btn" type="reset">{{_('hist.clear')}}</button>
    </div>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
  <div class="table-tools"><span class="muted" id="summary"></span></div>
  <div class="table-wrap">
  <table class="table compact" id="history-table">
    <thead><tr>
      <th>{{_('hist.col.entered')}}</th><th>{{_('hist.col.caller')}}</th><th>{{_('hist.col.queue')}}</th>
      <th>{{_('hist.col.wait')}}</th><th>{{_('hist.col.agent')}}</th><th>{{_('hist.col.talk')}}</th>
      <th>{{_('hist.col.outcome')}}</th><th>{{_('hist.col.survey')}}</th><th>{{_('hist.col.notes')}}</th>
      <th>{{_('hist.col.recording')}}</th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('hist.none')}}</p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>
