% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('sec.intro')}}</p>
<div class="alert" id="own-address" role="status" data-allowed="{{'yes' if own_allowed else 'no'}}">
  % if own_allowed:
  {{_('sec.own_allowed', address=own_address)}}
  % else:
  <strong>{{_('sec.own_warning_title', address=own_address)}}</strong> {{_('sec.own_warning')}}
  <button class="btn btn-small" id="allow-own" type="button">{{_('sec.allow_own')}}</button>
  % end
</div>
<div class="alert alert-error" id="not-enforced" role="alert" hidden>{{_('sec.not_enforced')}}</div>
<section class="card table-card">
  <h2>{{_('sec.bans')}}</h2>
  <div class="table-wrap">
  <table class="table" id="bans">
    <thead><tr>
      <th>{{_('sec.col.address')}}</th><th>{{_('sec.col.reason')}}</th><th>{{_('sec.col.since')}}</th>
      <th>{{_('sec.col.left')}}</th><th>{{_('sec.col.count')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('sec.none')}}</p></div>
</section>
<section class="card">
  <form id="settings-form" class="stack" novalidate>
    <h2>{{_('sec.settings')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('sec.f.max_failures')}}</span>
      <input name="max_failures" type="number" min="2" max="1000" required>
      <span class="field-error" data-error-for="max_failures" hidden></span></label>
    <label class="field"><span class="label">{{_('sec.f.window_seconds')}}</span>
      <input name="window_seconds" type="number" min="5" max="86400" required>
      <span class="field-error" data-error-for="window_seconds" hidden></span></label>
    <label class="field"><span class="label">{{_('sec.f.ban_minutes')}}</span>
      <input name="ban_minutes" autocomplete="off" required>
      <span class="hint">{{_('sec.f.ban_minutes_hint')}}</span>
      <span class="field-error" data-error-for="ban_minutes" hidden></span></label>
    <label class="checkbox"><input name="permanent" type="checkbox"> {{_('sec.f.permanent')}}</label>
    <label class="field"><span class="label">{{_('sec.f.allow')}}</span>
      <textarea name="allow" rows="4" autocomplete="off"></textarea>
      <span class="hint">{{_('sec.f.allow_hint')}}</span>
      <span class="field-error" data-error-for="allow" hidden></span></label>
    <label class="field"><span class="label">{{_('sec.f.email')}}</span>
      <input name="email" type="text" maxlength="1000" autocomplete="off" placeholder="security@example.com">
      <span class="hint">{{_('sec.f.email_hint')}}</span>
      <span class="field-error" data-error-for="email" hidden></span></label>
    <div><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
% include('confirm')
