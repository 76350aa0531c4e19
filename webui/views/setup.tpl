% rebase('layout')
<div class="steps" aria-label="{{_('setup.progress')}}">
  <span class="step-count">{{_('setup.step', step=step, steps=steps)}}</span>
  <ol class="step-dots">
  % for i in range(1, steps + 1):
    <li class="{{'on' if i == step else ('done' if i < step else '')}}"></li>
  % end
  </ol>
</div>
<h1>{{_('setup.heading')}}</h1>
<p class="muted">{{_('setup.intro')}}</p>
% if error:
<div class="alert alert-error" role="alert">{{error}}</div>
% end
<form method="post" action="/setup" class="stack">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label class="field">
    <span class="label">{{_('setup.username')}}</span>
    <input value="admin" readonly>
  </label>
  <label class="field{{' has-error' if field == 'password' else ''}}">
    <span class="label">{{_('setup.password')}}</span>
    <input name="password" type="password" autocomplete="new-password" minlength="10" required autofocus>
    <span class="hint">{{_('setup.rules')}}</span>
  </label>
  <label class="field{{' has-error' if field == 'confirm' else ''}}">
    <span class="label">{{_('setup.confirm')}}</span>
    <input name="confirm" type="password" autocomplete="new-password" required>
  </label>
  <button class="btn btn-primary btn-block" type="submit">{{_('setup.submit')}}</button>
</form>
