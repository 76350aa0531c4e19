% rebase('layout')
% desk = user.role != 'department'
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions">
    % if desk:
    <button class="btn btn-primary" id="add" type="button">{{_('tk.add')}}</button>
    % end
    % if user.role != 'agent':
    <a class="btn" id="export" href="/api/v1/tickets/export" download>{{_('ext.export')}}</a>
    % end
  </div>
</div>
<section class="card table-card">
  <form class="table-tools filters" id="filter" role="search" novalidate>
    <label class="field"><span class="label">{{_('tk.f.search')}}</span>
      <input type="search" name="q" autocomplete="off" placeholder="{{_('tk.search_hint')}}"></label>
    <label class="field"><span class="label">{{_('tk.f.status')}}</span>
      <select name="status">
        <option value="">{{_('cdr.any')}}</option>
        <option value="new,dispatched,in_progress,reopened">{{_('tk.open')}}</option>
        % for s in statuses:
        <option value="{{s}}">{{_('tk.status.' + s)}}</option>
        % end
      </select>
      <span class="field-error" data-error-for="status" hidden></span></label>
    % if user.role != 'department':
    <label class="field"><span class="label">{{_('tk.f.department')}}</span>
      <select name="department" id="f-department"><option value="">{{_('cdr.any')}}</option></select></label>
    % end
    <label class="check"><input type="checkbox" name="overdue" value="1"> {{_('tk.f.overdue')}}</label>
    <div class="filter-actions">
      <button class="btn" type="reset">{{_('cdr.clear')}}</button>
    </div>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
  <div class="table-tools"><span class="muted" id="summary"></span></div>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr>
      <th>{{_('tk.col.number')}}</th><th>{{_('tk.col.summary')}}</th><th>{{_('tk.col.kind')}}</th>
      <th>{{_('tk.col.caller')}}</th><th>{{_('tk.col.department')}}</th><th>{{_('tk.col.priority')}}</th>
      <th>{{_('tk.col.deadline')}}</th><th>{{_('tk.col.status')}}</th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('tk.none')}}</p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>

% if user.role != 'agent':
<section class="card table-card" id="report">
  <div class="card-head"><h2>{{_('tk.report')}}</h2></div>
  <form class="table-tools filters" id="report-form" novalidate>
    <label class="field"><span class="label">{{_('tk.report_from')}}</span>
      <input type="date" name="from" required><span class="field-error" data-error-for="from" hidden></span></label>
    <label class="field"><span class="label">{{_('tk.report_to')}}</span>
      <input type="date" name="to" required><span class="field-error" data-error-for="to" hidden></span></label>
    <label class="field"><span class="label">{{_('tk.report_by')}}</span>
      <select name="by">
        % for by in ("kind", "category", "department", "status"):
        <option value="{{by}}">{{_('tk.report_by.' + by)}}</option>
        % end
      </select></label>
    <div class="filter-actions">
      <button class="btn btn-primary" type="submit">{{_('tk.report_show')}}</button>
      <a class="btn" id="report-csv" download>CSV</a>
      <a class="btn" id="report-xlsx" download>XLSX</a>
    </div>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr><th></th>
      % for col in ("tickets", "open", "answered", "on_time", "late", "overdue", "timeliness", "avg_hours_to_answer"):
      <th title="{{_('tk.report_def.' + col)}}">{{_('tk.report_col.' + col)}}</th>
      % end
    </tr></thead>
    <tbody id="report-rows"></tbody>
  </table>
  </div>
</section>
% end

% if desk:
% include('ticket_form')
% end
