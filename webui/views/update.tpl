% rebase('layout')
<div class="page-head"><h1>{{title}}</h1></div>
% if not available:
<section class="card empty-state">
  <p class="muted">{{_('upd.unavailable')}}</p>
</section>
% else:
<div class="grid cards-2">
  <section class="card">
    <h2>{{_('upd.running')}}</h2>
    <dl class="kv">
      <dt>{{_('upd.slot')}}</dt><dd id="run-slot">—</dd>
      <dt>{{_('upd.version')}}</dt><dd id="run-version">—</dd>
      <dt>{{_('upd.state')}}</dt><dd id="run-state">—</dd>
    </dl>
  </section>
  <section class="card">
    <h2>{{_('upd.other')}}</h2>
    <dl class="kv">
      <dt>{{_('upd.slot')}}</dt><dd id="other-slot">—</dd>
      <dt>{{_('upd.version')}}</dt><dd id="other-version">—</dd>
      <dt>{{_('upd.last')}}</dt><dd id="last-update">—</dd>
    </dl>
  </section>
</div>
<section class="card">
  <h2>{{_('upd.install')}}</h2>
  <p class="muted">{{_('upd.install_intro')}}</p>
  <form id="upload-form" class="stack">
    <div class="field">
      <label for="bundle-file">{{_('upd.file')}}</label>
      <input type="file" id="bundle-file" name="file" accept=".raucb" required>
    </div>
    <div>
      <button class="btn btn-primary" type="submit" id="upload-button">{{_('upd.upload')}}</button>
    </div>
  </form>
  <div id="job" hidden>
    <progress id="job-progress" max="100" value="0"></progress>
    <p id="job-text" role="status" aria-live="polite"></p>
  </div>
</section>
<section class="card">
  <h2>{{_('upd.reset')}}</h2>
  <p class="muted">{{_('upd.reset_intro')}}</p>
  <button class="btn btn-danger" type="button" id="reset-button">{{_('upd.reset_button')}}</button>
</section>
% include('confirm')
% end
