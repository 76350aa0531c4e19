% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('audit.intro')}}</p>
<section class="card table-card">
  <form class="table-tools" id="filter" role="search">
    <input type="search" id="actor" class="search" placeholder="{{_('audit.actor')}}" aria-label="{{_('audit.actor')}}" autocomplete="off">
    <button class="btn" type="submit">{{_('audit.filter')}}</button>
    <span class="muted" id="summary"></span>
  </form>
  <div class="table-wrap">
  <table class="table" id="audit-table">
    <thead><tr>
      <th>{{_('audit.col.when')}}</th><th>{{_('audit.col.who')}}</th><th>{{_('audit.col.what')}}</th>
      <th>{{_('audit.col.target')}}</th><th>{{_('audit.col.status')}}</th><th>{{_('audit.col.details')}}</th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('audit.none')}}</p></div>
  <div class="pager">
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>
