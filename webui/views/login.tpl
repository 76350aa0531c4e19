% rebase('layout')
<h1>{{_('login.heading')}}</h1>
<p class="muted">{{_('login.intro')}}</p>
% if error:
<div class="alert alert-error" role="alert" id="login-error">{{error}}</div>
% end
<form method="post" action="/login" class="stack">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <input type="hidden" name="next" value="{{next}}">
  <label class="field">
    <span class="label">{{_('login.username')}}</span>
    <input name="username" autocomplete="username" value="{{username}}" required autofocus>
  </label>
  <label class="field">
    <span class="label">{{_('login.password')}}</span>
    <input name="password" type="password" autocomplete="current-password" required>
  </label>
  <button class="btn btn-primary btn-block" type="submit"{{!' disabled' if retry_after else ''}}>{{_('login.submit')}}</button>
</form>
