% rebase('layout')
<section class="empty-state">
  <div class="big-code">{{code}}</div>
  <h1>{{title}}</h1>
  % if message:
  <p class="muted">{{message}}</p>
  % end
  <p><a class="btn" href="/">{{_('error.home')}}</a></p>
</section>
