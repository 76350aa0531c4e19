<dialog id="ticket-dialog" class="dialog dialog-wide">
  <form class="stack" id="ticket-form" novalidate>
    <h2>{{_('tk.add_title')}}</h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <input type="hidden" name="call_id">
    <div class="row-2">
      <label class="field"><span class="label">{{_('tk.f.kind')}}</span>
        <select name="kind" required>
          % for k in kinds:
          <option value="{{k}}">{{_.strings.get('tk.kind.' + k) or k}}</option>
          % end
        </select>
        <span class="field-error" data-error-for="kind" hidden></span></label>
      <label class="field"><span class="label">{{_('tk.f.category')}}</span>
        <select name="category"><option value="">—</option></select>
        <span class="field-error" data-error-for="category" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('tk.f.summary')}}</span>
      <input name="summary" autocomplete="off" required maxlength="200">
      <span class="field-error" data-error-for="summary" hidden></span></label>
    <label class="field"><span class="label">{{_('tk.f.details')}}</span>
      <textarea name="details" rows="4" maxlength="10000"></textarea>
      <span class="field-error" data-error-for="details" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tk.f.caller')}}</span>
        <input name="caller" class="mono" inputmode="tel" autocomplete="off" maxlength="40">
        <span class="field-error" data-error-for="caller" hidden></span></label>
      <label class="field"><span class="label">{{_('tk.f.channel')}}</span>
        <select name="channel">
          % for c in channels:
          <option value="{{c}}">{{_('tk.channel.' + c)}}</option>
          % end
        </select>
        <span class="field-error" data-error-for="channel" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('tk.f.department')}}</span>
        <select name="department"><option value="">{{_('tk.not_dispatched')}}</option></select>
        <span class="hint">{{_('tk.department_hint')}}</span>
        <span class="field-error" data-error-for="department" hidden></span></label>
      <label class="field"><span class="label">{{_('tk.f.priority')}}</span>
        <select name="priority">
          % for p in priorities:
          <option value="{{p}}"{{' selected' if p == 'normal' else ''}}>{{_('tk.priority.' + p)}}</option>
          % end
        </select>
        <span class="field-error" data-error-for="priority" hidden></span></label>
    </div>
    <p class="muted small" id="ticket-call" hidden></p>
    <span class="field-error" data-error-for="call_id" hidden></span>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('tk.create')}}</button>
    </div>
  </form>
</dialog>
