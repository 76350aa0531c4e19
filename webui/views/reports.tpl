% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<section class="card">
  <form class="table-tools filters" id="report-form" novalidate>
    <label class="field"><span class="label">{{_('rep.f.report')}}</span>
      <select name="report">
        % for name in names:
        <option value="{{name}}">{{_('rep.name.' + name)}}</option>
        % end
      </select></label>
    <label class="field"><span class="label">{{_('rep.f.from')}}</span>
      <input type="date" name="from" required>
      <span class="field-error" data-error-for="from" hidden></span></label>
    <label class="field"><span class="label">{{_('rep.f.to')}}</span>
      <input type="date" name="to" required>
      <span class="field-error" data-error-for="to" hidden></span></label>
    <label class="field"><span class="label">{{_('rep.f.by')}}</span>
      <select name="by">
        % for by in bys:
        <option value="{{by}}"{{' selected' if by == 'day' else ''}}>{{_('rep.by.' + by)}}</option>
        % end
      </select>
      <span class="field-error" data-error-for="by" hidden></span></label>
    <label class="field" id="short-abandon-field" hidden><span class="label">{{_('rep.f.short_abandon')}}</span>
      <input type="number" name="short_abandon" min="0" max="600" value="5" size="4">
      <span class="field-error" data-error-for="short_abandon" hidden></span></label>
    <div class="filter-actions">
      <button class="btn btn-primary" type="submit">{{_('rep.show')}}</button>
      <a class="btn" id="export-csv" download>{{_('rep.csv')}}</a>
      <a class="btn" id="export-xlsx" download>{{_('rep.xlsx')}}</a>
    </div>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
</section>
<section class="charts">
  <figure class="card chart-card"><figcaption>{{_('rep.chart.outcomes')}}</figcaption>
    <div class="chart-box small"><canvas id="chart-outcomes"></canvas></div></figure>
  <figure class="card chart-card"><figcaption>{{_('rep.chart.types')}}</figcaption>
    <div class="chart-box small"><canvas id="chart-types"></canvas></div></figure>
  <figure class="card chart-card wide"><figcaption>{{_('rep.chart.periods')}}</figcaption>
    <div class="chart-box"><canvas id="chart-periods"></canvas></div></figure>
  <figure class="card chart-card wide"><figcaption>{{_('rep.chart.trend')}}</figcaption>
    <div class="chart-box"><canvas id="chart-trend"></canvas></div></figure>
</section>
<section class="card table-card">
  <h2 id="table-title"></h2>
  <div class="table-wrap">
  <table class="table compact" id="report-table">
    <thead><tr id="head"></tr></thead>
    <tbody id="rows"></tbody>
    <tfoot><tr id="totals"></tr></tfoot>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('rep.none')}}</p></div>
  <div class="pager" id="report-pager" hidden>
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
  <h3>{{_('rep.definitions')}}</h3>
  <dl class="kv" id="definitions"></dl>
</section>
