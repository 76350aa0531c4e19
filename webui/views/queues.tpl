% rebase('layout')
% admin = user.role == 'admin'
<div class="page-head">
  <h1>{{title}}</h1>
  % if admin:
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('q.add')}}</button></div>
  % end
</div>
<p class="muted intro">{{_('q.intro') if admin else _('q.intro_read')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('q.col.number')}}</th><th>{{_('q.col.name')}}</th><th>{{_('q.col.strategy')}}</th>
      <th>{{_('q.col.members')}}</th><th>{{_('q.col.overflow')}}</th><th>{{_('q.col.recording')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('q.none')}}</p></div>
</section>

% if admin:
<dialog id="edit-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('q.f.number')}}</span>
        <input name="number" inputmode="numeric" autocomplete="off" required>
        <span class="field-error" data-error-for="number" hidden></span></label>
      <label class="field"><span class="label">{{_('q.f.name')}}</span>
        <input name="name" autocomplete="off" required maxlength="60">
        <span class="field-error" data-error-for="name" hidden></span></label>
    </div>

    <fieldset class="form-section">
      <legend>{{_('q.s.agents')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('q.f.strategy')}}</span>
          <select name="strategy">
            % for s in ('rrmemory', 'ringall', 'leastrecent', 'fewestcalls', 'rrordered', 'linear', 'random', 'wrandom'):
            <option value="{{s}}">{{_('q.strategy.' + s)}}</option>
            % end
          </select>
          <span class="hint" id="strategy-hint"></span>
          <span class="field-error" data-error-for="strategy" hidden></span></label>
        <label class="field"><span class="label">{{_('q.f.memory_seconds')}}</span>
          <input name="memory_seconds" type="number" min="0" max="120">
          <span class="hint">{{_('q.f.memory_hint')}}</span>
          <span class="field-error" data-error-for="memory_seconds" hidden></span></label>
      </div>
      <div class="field"><span class="label">{{_('q.f.members')}}</span>
        <div class="stack tight" id="members"></div>
        <div><button class="btn btn-small" type="button" id="add-member">{{_('q.f.add_member')}}</button></div>
        <span class="hint">{{_('q.f.members_hint')}}</span>
        <span class="field-error" data-error-for="members" hidden></span></div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('q.f.ring_timeout')}}</span>
          <input name="ring_timeout" type="number" min="5" max="120">
          <span class="field-error" data-error-for="ring_timeout" hidden></span></label>
        <label class="field"><span class="label">{{_('q.f.wrapup')}}</span>
          <input name="wrapup" type="number" min="0" max="600">
          <span class="field-error" data-error-for="wrapup" hidden></span></label>
      </div>
      <label class="check"><input type="checkbox" name="announce_agent"> {{_('q.f.announce_agent')}}</label>
    </fieldset>

    <fieldset class="form-section">
      <legend>{{_('q.s.callers')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('q.f.music')}}</span>
          <select name="music" id="music"></select>
          <span class="field-error" data-error-for="music" hidden></span></label>
        <label class="field"><span class="label">{{_('q.f.announce_interval')}}</span>
          <input name="announce_interval" type="number" min="0" max="1200">
          <span class="hint">{{_('q.f.announce_interval_hint')}}</span>
          <span class="field-error" data-error-for="announce_interval" hidden></span></label>
      </div>
      <label class="check"><input type="checkbox" name="announce_position"> {{_('q.f.announce_position')}}</label>
      <label class="check"><input type="checkbox" name="callback"> {{_('q.f.callback')}}</label>
      <label class="field"><span class="label">{{_('q.f.callback_class')}}</span>
        <select name="callback_class"></select>
        <span class="hint">{{_('q.f.callback_class_hint')}}</span>
        <span class="field-error" data-error-for="callback_class" hidden></span></label>
      <label class="check"><input type="checkbox" name="survey"> {{_('q.f.survey')}}</label>
      <label class="field"><span class="label">{{_('q.f.survey_after')}}</span>
        <select name="survey_after"></select>
        <span class="hint">{{_('q.f.survey_after_hint')}}</span>
        <span class="field-error" data-error-for="survey_after" hidden></span></label>
    </fieldset>

    <fieldset class="form-section">
      <legend>{{_('q.s.limits')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('q.f.max_wait')}}</span>
          <input name="max_wait" type="number" min="0" max="86400">
          <span class="hint">{{_('q.f.zero_no_limit')}}</span>
          <span class="field-error" data-error-for="max_wait" hidden></span></label>
        <label class="field"><span class="label">{{_('q.f.max_callers')}}</span>
          <input name="max_callers" type="number" min="0" max="1000">
          <span class="hint">{{_('q.f.zero_no_limit')}}</span>
          <span class="field-error" data-error-for="max_callers" hidden></span></label>
      </div>
      <label class="check"><input type="checkbox" name="join_empty"> {{_('q.f.join_empty')}}</label>
      <label class="check"><input type="checkbox" name="leave_empty"> {{_('q.f.leave_empty')}}</label>
      <div class="field"><span class="label">{{_('q.f.overflow')}}</span>
        <div id="overflow"></div>
        <span class="hint">{{_('q.f.overflow_hint')}}</span>
        <span class="field-error" data-error-for="overflow" hidden></span></div>
    </fieldset>

    <fieldset class="form-section">
      <legend>{{_('q.s.quality')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('q.f.recording')}}</span>
          <select name="recording">
            % for r in ('never', 'always', 'on_demand'):
            <option value="{{r}}">{{_('q.recording.' + r)}}</option>
            % end
          </select>
          <span class="field-error" data-error-for="recording" hidden></span></label>
        <label class="field"><span class="label">{{_('q.f.service_level')}}</span>
          <input name="service_level" type="number" min="5" max="600">
          <span class="hint">{{_('q.f.service_level_hint')}}</span>
          <span class="field-error" data-error-for="service_level" hidden></span></label>
        % include('language_field')
      </div>
    </fieldset>

    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
% end
