% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <a class="btn" href="/webcall-settings">{{_('nav.webcall_settings')}}</a>
</div>
<section class="card stack">
  <p class="muted">{{_('wc.demo_intro')}}</p>
  <div id="webcall-demo"></div>
  <script src="/webcall.js" data-target="webcall-demo" async></script>
</section>
