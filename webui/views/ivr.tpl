% rebase('layout')
<div id="list-view">
  <div class="page-head">
    <h1>{{title}}</h1>
    <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('ivr.add')}}</button></div>
  </div>
  <p class="muted intro">{{_('ivr.intro')}}</p>
  <section class="card table-card">
    <div class="table-wrap">
    <table class="table">
      <thead><tr>
        <th>{{_('ivr.col.name')}}</th><th>{{_('ivr.col.number')}}</th><th>{{_('ivr.col.prompt')}}</th>
        <th>{{_('ivr.col.keys')}}</th>
        <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
      </tr></thead>
      <tbody id="rows"></tbody>
    </table>
    </div>
    <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('ivr.none')}}</p></div>
  </section>
</div>

<div id="editor" hidden>
  <div class="page-head">
    <nav class="trail" id="trail" aria-label="{{_('ivr.trail')}}"></nav>
  </div>
  <form class="stack" id="ivr-form" novalidate>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <section class="card stack">
      <h2>{{_('ivr.general')}}</h2>
      <div class="row-2">
        <label class="field"><span class="label">{{_('ivr.f.name')}}</span>
          <input name="name" autocomplete="off" required maxlength="60">
          <span class="field-error" data-error-for="name" hidden></span></label>
        <label class="field"><span class="label">{{_('ivr.f.number')}}</span>
          <input name="number" inputmode="numeric" autocomplete="off" placeholder="{{_('ivr.f.number_none')}}">
          <span class="hint">{{_('ivr.f.number_hint')}}</span>
          <span class="field-error" data-error-for="number" hidden></span></label>
      </div>
      <div class="row-3">
        <label class="field"><span class="label">{{_('ivr.f.timeout')}}</span>
          <input name="timeout" type="number" min="1" max="60">
          <span class="field-error" data-error-for="timeout" hidden></span></label>
        <label class="field"><span class="label">{{_('ivr.f.max_tries')}}</span>
          <input name="max_tries" type="number" min="1" max="10">
          <span class="field-error" data-error-for="max_tries" hidden></span></label>
        <label class="check check-field"><input type="checkbox" name="direct_dial"> {{_('ivr.f.direct_dial')}}</label>
      </div>
      % include('language_field')

    </section>

    <section class="card stack">
      <h2>{{_('ivr.prompt')}}</h2>
      <div class="prompt-row">
        <label class="field grow"><span class="label">{{_('ivr.f.prompt')}}</span>
          <select name="prompt" id="prompt-select"></select>
          <span class="field-error" data-error-for="prompt" hidden></span></label>
        <audio id="prompt-audio" controls preload="metadata" hidden></audio>
        <button class="btn" type="button" id="new-prompt">{{_('ivr.new_prompt')}}</button>
      </div>
      <div class="alert alert-warn" id="record-notice" hidden></div>
    </section>

    <section class="card stack">
      <h2>{{_('ivr.keys')}}</h2>
      <p class="muted">{{_('ivr.keys_intro')}}</p>
      <table class="table compact keys">
        <thead><tr><th>{{_('ivr.col.key')}}</th><th>{{_('ivr.col.goes_to')}}</th><th></th></tr></thead>
        <tbody id="keys"></tbody>
      </table>
      <div><button class="btn btn-small" type="button" id="add-key">{{_('ivr.add_key')}}</button></div>
      <span class="field-error" data-error-for="options" hidden></span>
      <div class="row-2">
        <div class="field"><span class="label">{{_('ivr.f.on_timeout')}}</span>
          <div id="on-timeout"></div>
          <span class="field-error" data-error-for="on_timeout" hidden></span></div>
        <div class="field"><span class="label">{{_('ivr.f.on_invalid')}}</span>
          <div id="on-invalid"></div>
          <span class="field-error" data-error-for="on_invalid" hidden></span></div>
      </div>
    </section>
    <section class="card stack">
      <h2>{{_('ivr.steps')}}</h2>
      <p class="muted">{{_('ivr.steps_intro')}}</p>
      <ol class="stack steps" id="steps"></ol>
      <div class="row-2">
        <label class="field"><span class="label sr-only">{{_('ivr.step_kind')}}</span>
          <select id="new-step-kind">
            % for kind in ('digits', 'say', 'ticket_status', 'http_lookup', 'complaint'):
            <option value="{{kind}}">{{_('ivr.step.' + kind)}}</option>
            % end
          </select></label>
        <div><button class="btn btn-small" type="button" id="add-step">{{_('ivr.add_step')}}</button></div>
      </div>
      <span class="field-error" data-error-for="steps" hidden></span>
    </section>
    <div class="form-actions">
      <button class="btn" type="button" id="back">{{_('ivr.back')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</div>

<dialog id="menu-dialog" class="dialog">
  <form class="stack" id="menu-form" novalidate>
    <h2>{{_('ivr.new_title')}}</h2>
    <p class="muted">{{_('ivr.new_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('ivr.f.name')}}</span>
      <input name="name" autocomplete="off" required maxlength="60">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <label class="field"><span class="label">{{_('ivr.f.number')}}</span>
      <input name="number" inputmode="numeric" autocomplete="off" placeholder="{{_('ivr.f.number_none')}}">
      <span class="field-error" data-error-for="number" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('ivr.create')}}</button>
    </div>
  </form>
</dialog>

<dialog id="prompt-dialog" class="dialog">
  <form class="stack" id="prompt-form" novalidate>
    <h2>{{_('ivr.prompt_title')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('ivr.prompt_name')}}</span>
      <input name="name" autocomplete="off" required maxlength="60">
      <span class="field-error" data-error-for="name" hidden></span></label>
    <fieldset class="choice">
      <label class="check"><input type="radio" name="source" value="upload" checked> {{_('ivr.source_upload')}}</label>
      <label class="check"><input type="radio" name="source" value="phone"> {{_('ivr.source_phone')}}</label>
    </fieldset>
    <label class="field" id="prompt-file"><span class="label">{{_('ivr.prompt_file')}}</span>
      <input name="file" type="file" accept=".wav,.mp3,audio/wav,audio/mpeg">
      <span class="field-error" data-error-for="file" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('ivr.prompt_create')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
