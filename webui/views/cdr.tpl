% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<section class="card table-card">
  <form class="table-tools filters" id="filter" role="search" novalidate>
    <label class="field"><span class="label">{{_('cdr.f.days')}}</span>
      <select name="days">
        <option value="">{{_('cdr.any')}}</option>
        % for d in (1, 7, 30, 90):
        <option value="{{d}}">{{_('cdr.days', n=d)}}</option>
        % end
      </select>
      <span class="field-error" data-error-for="days" hidden></span></label>
    <label class="field"><span class="label">{{_('cdr.f.from')}}</span>
      <input type="date" name="from">
      <span class="field-error" data-error-for="from" hidden></span></label>
    <label class="field"><span class="label">{{_('cdr.f.to')}}</span>
      <input type="date" name="to">
      <span class="field-error" data-error-for="to" hidden></span></label>
    <label class="field"><span class="label">{{_('cdr.f.direction')}}</span>
      <select name="direction">
        <option value="">{{_('cdr.any')}}</option>
        % for d in directions:
        <option value="{{d}}">{{_('cdr.direction.' + d)}}</option>
        % end
      </select></label>
    <label class="field"><span class="label">{{_('cdr.f.outcome')}}</span>
      <select name="outcome">
        <option value="">{{_('cdr.any')}}</option>
        % for o in outcomes:
        <option value="{{o}}">{{_('cdr.outcome.' + o)}}</option>
        % end
      </select></label>
    <label class="field"><span class="label">{{_('cdr.f.number')}}</span>
      <input type="search" name="number" inputmode="tel" autocomplete="off">
      <span class="field-error" data-error-for="number" hidden></span></label>
    % if not own:
    <label class="field"><span class="label">{{_('cdr.f.extension')}}</span>
      <input type="text" name="extension" inputmode="numeric" autocomplete="off" size="6">
      <span class="field-error" data-error-for="extension" hidden></span></label>
    <label class="field"><span class="label">{{_('cdr.f.queue')}}</span>
      <input type="text" name="queue" inputmode="numeric" autocomplete="off" size="6">
      <span class="field-error" data-error-for="queue" hidden></span></label>
    <label class="field"><span class="label">{{_('cdr.f.trunk')}}</span>
      <select name="trunk" id="f-trunk"><option value="">{{_('cdr.any')}}</option></select>
      <span class="field-error" data-error-for="trunk" hidden></span></label>
    % end
    <div class="filter-actions">
      <button class="btn btn-primary" type="submit">{{_('cdr.apply')}}</button>
      <button class="btn" type="reset">{{_('cdr.clear')}}</button>
    </div>
    <div class="alert alert-error" data-error-for="" hidden></div>
  </form>
  <div class="table-tools"><span class="muted" id="summary"></span></div>
  <div class="table-wrap">
  <table class="table compact" id="cdr-table">
    <thead><tr>
      <th>{{_('cdr.col.start')}}</th><th>{{_('cdr.col.direction')}}</th><th>{{_('cdr.col.from')}}</th>
      <th>{{_('cdr.col.to')}}</th><th>{{_('cdr.col.path')}}</th><th>{{_('cdr.col.answered_by')}}</th>
      <th>{{_('cdr.col.wait')}}</th><th>{{_('cdr.col.talk')}}</th><th>{{_('cdr.col.outcome')}}</th>
      <th>{{_('cdr.col.recording')}}</th><th></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('cdr.none')}}</p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>

<dialog id="call-dialog" class="dialog dialog-wide">
  <div class="stack">
    <h2 id="call-title"></h2>
    <dl class="kv" id="call-facts"></dl>
    <h3>{{_('cdr.path')}}</h3>
    <ol id="call-path"></ol>
    <h3>{{_('cdr.transfers')}}</h3>
    <ul id="call-transfers"></ul>
    <div id="call-recording"></div>
    <h3>{{_('cdr.legs')}}</h3>
    <div class="table-wrap">
    <table class="table compact">
      <thead><tr><th>{{_('cdr.leg.channel')}}</th><th>{{_('cdr.leg.party')}}</th><th>{{_('cdr.leg.start')}}</th>
        <th>{{_('cdr.leg.answer')}}</th><th>{{_('cdr.leg.end')}}</th><th>{{_('cdr.leg.cause')}}</th></tr></thead>
      <tbody id="call-legs"></tbody>
    </table>
    </div>
    <div class="dialog-actions"><button class="btn btn-primary" type="button" data-close>{{_('common.close')}}</button></div>
  </div>
</dialog>
