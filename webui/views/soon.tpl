% rebase('layout')
<div class="page-head"><h1>{{title}}</h1></div>
<section class="card empty-state soon">
  <img src="/static/img/soon.svg" alt="" width="72" height="72">
  <h2>{{_('soon.heading')}}</h2>
  <p class="muted">{{_('soon.' + page_key)}}</p>
  <p class="muted small">{{_('soon.meanwhile')}}</p>
</section>
