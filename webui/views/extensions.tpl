% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions">
    <button class="btn btn-primary" id="add-one" type="button">{{_('ext.add')}}</button>
    <button class="btn" id="add-range" type="button">{{_('ext.add_range')}}</button>
    <button class="btn" id="import" type="button">{{_('ext.import')}}</button>
    <a class="btn" id="export" href="/api/v1/extensions/export" download>{{_('ext.export')}}</a>
  </div>
</div>
<section class="card table-card">
  <div class="table-tools">
    <input type="search" id="search" class="search" placeholder="{{_('ext.search')}}" aria-label="{{_('ext.search')}}" autocomplete="off">
    <span class="muted" id="summary"></span>
  </div>
  <div class="table-wrap">
  <table class="table" id="ext-table">
    <thead>
      <tr>
        <th class="col-status">{{_('ext.col.status')}}</th>
        <th aria-sort="ascending"><button type="button" class="sort" data-sort="number">{{_('ext.col.number')}}</button></th>
        <th aria-sort="none"><button type="button" class="sort" data-sort="name">{{_('ext.col.name')}}</button></th>
        <th>{{_('ext.col.voicemail')}}</th>
        <th>{{_('ext.col.contact')}}</th>
        <th>{{_('ext.col.email')}}</th>
        <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
      </tr>
    </thead>
    <tbody id="ext-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="ext-empty" hidden>
    <p class="muted" id="ext-empty-text"></p>
  </div>
  <div class="pager">
    <label class="muted">{{_('ext.per_page')}}
      <select id="per-page"><option>25</option><option selected>50</option><option>100</option><option>200</option></select>
    </label>
    <span class="spacer"></span>
    <button class="btn" id="prev" type="button">{{_('ext.prev')}}</button>
    <span id="page-info" class="muted"></span>
    <button class="btn" id="next" type="button">{{_('ext.next')}}</button>
  </div>
</section>

<section class="card table-card" id="site-ext" hidden>
  <div class="card-head"><h2>{{_('ext.sites.title')}}</h2></div>
  <div class="table-tools"><span class="muted">{{_('ext.sites.hint')}}</span></div>
  <div class="table-wrap">
  <table class="table" id="site-ext-table">
    <thead>
      <tr>
        <th class="col-status">{{_('ext.col.status')}}</th>
        <th>{{_('ext.col.number')}}</th>
        <th>{{_('ext.sites.col.site')}}</th>
      </tr>
    </thead>
    <tbody id="site-ext-rows"></tbody>
  </table>
  </div>
</section>

<dialog id="ext-dialog" class="dialog">
  <form class="stack" id="ext-form" novalidate>
    <h2 id="ext-dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('ext.f.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" required>
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field"><span class="label">{{_('ext.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="64">
        <span class="field-error" data-error-for="name" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('ext.f.email')}}</span>
      <input name="email" type="email" autocomplete="off">
      <span class="field-error" data-error-for="email" hidden></span></label>
    <label class="check"><input type="checkbox" name="voicemail_enabled" checked> {{_('ext.f.voicemail')}}</label>
    <label class="field"><span class="label">{{_('ext.f.pin')}}</span>
      <input name="voicemail_pin" inputmode="numeric" autocomplete="off" placeholder="{{_('ext.f.random')}}">
      <span class="field-error" data-error-for="voicemail_pin" hidden></span></label>
    <label class="field"><span class="label">{{_('ext.f.recording')}}</span>
      <select name="recording">
        <option value="never">{{_('ext.rec.never')}}</option>
        <option value="always">{{_('ext.rec.always')}}</option>
        <option value="on_demand">{{_('ext.rec.on_demand')}}</option>
      </select>
      <span class="field-error" data-error-for="recording" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('ext.f.transport')}}</span>
        <select name="transport">
          <option value="udp">{{_('ext.transport.udp')}}</option>
          <option value="tcp">TCP</option>
          <option value="tls">{{_('ext.transport.tls')}}</option>
        </select>
        <span class="field-error" data-error-for="transport" hidden></span></label>
      <label class="field"><span class="label">{{_('ext.f.srtp')}}</span>
        <select name="srtp">
          <option value="off">{{_('ext.srtp.off')}}</option>
          <option value="optional">{{_('ext.srtp.optional')}}</option>
          <option value="required">{{_('ext.srtp.required')}}</option>
        </select>
        <span class="field-error" data-error-for="srtp" hidden></span></label>
    </div>
    <p class="hint">{{_('ext.f.security_hint')}}</p>
    % include('language_field')
    <fieldset class="stack">
      <legend>{{_('ext.f.calls')}}</legend>
      <label class="check"><input type="checkbox" name="dnd"> {{_('ext.f.dnd')}}</label>
      <label class="check"><input type="checkbox" name="intercom" checked> {{_('ext.f.intercom')}}</label>
      <div class="row-3">
        <label class="field"><span class="label">{{_('ext.f.fwd_all')}}</span>
          <input name="forward.all" inputmode="numeric" autocomplete="off">
          <span class="field-error" data-error-for="forward.all" hidden></span></label>
        <label class="field"><span class="label">{{_('ext.f.fwd_busy')}}</span>
          <input name="forward.busy" inputmode="numeric" autocomplete="off">
          <span class="field-error" data-error-for="forward.busy" hidden></span></label>
        <label class="field"><span class="label">{{_('ext.f.fwd_no_answer')}}</span>
          <input name="forward.no_answer" inputmode="numeric" autocomplete="off">
          <span class="field-error" data-error-for="forward.no_answer" hidden></span></label>
      </div>
      <p class="muted">{{_('ext.f.fwd_hint')}}</p>
      <label class="field"><span class="label">{{_('ext.f.pickup')}}</span>
        <input name="pickup_groups" autocomplete="off" placeholder="sales, front-desk">
        <span class="field-error" data-error-for="pickup_groups" hidden></span></label>
      <label class="field"><span class="label">{{_('ext.f.permission_class')}}</span>
        <select name="permission_class"></select>
        <span class="field-error" data-error-for="permission_class" hidden></span></label>
    </fieldset>
    <fieldset class="stack">
      <legend>{{_('ext.f.follow')}}</legend>
      <label class="check"><input type="checkbox" name="follow_me.enabled"> {{_('ext.f.follow_on')}}</label>
      <div class="row-3">
        % for i in range(3):
        <label class="field"><span class="label">{{_('ext.f.follow_number', n=i + 1)}}</span>
          <input name="follow_me.numbers" inputmode="numeric" autocomplete="off"></label>
        % end
      </div>
      <span class="field-error" data-error-for="follow_me.numbers" hidden></span>
      <span class="field-error" data-error-for="follow_me.enabled" hidden></span>
      <label class="field"><span class="label">{{_('ext.f.follow_ring')}}</span>
        <select name="follow_me.ring">
          <option value="sequential">{{_('ext.follow.sequential')}}</option>
          <option value="together">{{_('ext.follow.together')}}</option>
        </select></label>
      <label class="check"><input type="checkbox" name="follow_me.confirm" checked> {{_('ext.f.follow_confirm')}}</label>
      <p class="muted">{{_('ext.f.follow_hint')}}</p>
    </fieldset>
    <label class="field create-only"><span class="label">{{_('ext.f.secret')}}</span>
      <input name="secret" autocomplete="off" placeholder="{{_('ext.f.random')}}">
      <span class="field-error" data-error-for="secret" hidden></span></label>
    <div class="field edit-only">
      <span class="label">{{_('ext.f.secret')}}</span>
      <div class="secret-row">
        <input id="secret-view" readonly type="password">
        <button class="btn" type="button" id="secret-show">{{_('ext.show')}}</button>
        <button class="btn" type="button" id="secret-reset">{{_('ext.reset_secret')}}</button>
      </div>
    </div>
    <div class="field edit-only">
      <span class="label">{{_('ext.f.registration')}}</span>
      <span id="reg-view" class="muted"></span>
    </div>
    % if user.role == "admin":
    <div class="field edit-only">
      <span class="label">{{_('ext.f.tunnel')}}</span>
      <div class="secret-row">
        <span id="tunnel-view" class="muted"></span>
        <button class="btn" type="button" id="tunnel-make">{{_('ext.tunnel.make')}}</button>
        <button class="btn btn-danger-ghost" type="button" id="tunnel-remove" hidden>{{_('ext.tunnel.remove')}}</button>
      </div>
      <span class="hint">{{_('ext.f.tunnel_hint')}}</span>
    </div>
    % end
    <div class="field edit-only recent-calls">
      <span class="label">{{_('recent.title')}}</span>
      <table class="table compact">
        <thead><tr><th>{{_('recent.col.when')}}</th><th>{{_('recent.col.kind')}}</th><th>{{_('recent.col.number')}}</th>
          <th>{{_('recent.col.talk')}}</th></tr></thead>
        <tbody id="recent-rows"></tbody>
      </table>
      <p class="muted small" id="recent-empty" hidden>{{_('recent.none')}}</p>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="range-dialog" class="dialog">
  <form class="stack" id="range-form" novalidate>
    <h2>{{_('ext.range.title')}}</h2>
    <p class="muted">{{_('ext.range.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('ext.range.from')}}</span>
        <input name="from" inputmode="numeric" required autocomplete="off">
        <span class="field-error" data-error-for="from" hidden></span></label>
      <label class="field"><span class="label">{{_('ext.range.to')}}</span>
        <input name="to" inputmode="numeric" required autocomplete="off">
        <span class="field-error" data-error-for="to" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('ext.range.pattern')}}</span>
      <input name="pattern" required autocomplete="off" value="{{_('ext.range.pattern_default')}}">
      <span class="hint">{{_('ext.range.pattern_hint')}}</span>
      <span class="field-error" data-error-for="pattern" hidden></span></label>
    <label class="check"><input type="checkbox" name="voicemail_enabled" checked> {{_('ext.f.voicemail')}}</label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('ext.range.pin_policy')}}</span>
        <select name="pin_policy">
          <option value="random">{{_('ext.range.pin_random')}}</option>
          <option value="length">{{_('ext.range.pin_length')}}</option>
        </select></label>
      <label class="field"><span class="label">{{_('ext.range.pin_digits')}}</span>
        <input name="pin_length" type="number" min="4" max="12" value="6" disabled>
        <span class="field-error" data-error-for="pin_length" hidden></span></label>
    </div>
    <ul class="row-errors" id="range-errors" hidden></ul>
    <div class="dialog-actions">
      <span class="muted" id="range-count"></span>
      <span class="spacer"></span>
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('ext.range.create')}}</button>
    </div>
  </form>
</dialog>

% include('import', heading=_('ext.imp.title'), intro=_('ext.imp.intro'), sample='number,name,email,voicemail_pin,voicemail_enabled,secret,recording,language,intercom,permission_class,pickup_groups')

<dialog id="created-dialog" class="dialog">
  <div class="stack">
    <h2>{{_('ext.created.title')}}</h2>
    <p class="muted">{{_('ext.created.intro')}}</p>
    <dl class="kv" id="created-kv"></dl>
    <div class="dialog-actions"><button class="btn btn-primary" type="button" data-close>{{_('common.done')}}</button></div>
  </div>
</dialog>

<dialog id="tunnel-dialog" class="dialog">
  <div class="stack">
    <h2 id="tunnel-title"></h2>
    <p class="muted">{{_('ext.tunnel.intro')}}</p>
    <pre class="mono tunnel-config" id="tunnel-config"></pre>
    <div class="dialog-actions">
      <a class="btn" id="tunnel-download" download>{{_('ext.tunnel.download')}}</a>
      <button class="btn btn-primary" type="button" data-close>{{_('common.done')}}</button>
    </div>
  </div>
</dialog>

% include('confirm')
