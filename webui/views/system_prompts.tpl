% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('sp.intro')}}</p>
<section class="card stack">
  <div class="row-2">
    <label class="field"><span class="label">{{_('lang.f.label')}}</span>
      <select id="language">
        <option value="zh">中文 (zh-CN)</option>
        <option value="en">English</option>
      </select></label>
    <label class="field"><span class="label">{{_('sp.filter')}}</span>
      <input id="filter" type="search" autocomplete="off" maxlength="60" placeholder="vm-, digits/, queue-, callbox/"></label>
  </div>
  <label class="check"><input type="checkbox" id="only-replaced"> {{_('sp.only_replaced')}}</label>
</section>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('sp.col.name')}}</th><th>{{_('sp.col.audio')}}</th><th>{{_('sp.col.state')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <p class="muted" id="more" hidden></p>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('sp.none')}}</p></div>
</section>
