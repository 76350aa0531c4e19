<label class="field"><span class="label">{{_('lang.f.label')}}</span>
  <select name="language">
    % if get('inherit', True):
    <option value="">{{_('lang.box_default')}}</option>
    % end
    <option value="en">English</option>
    <option value="zh">中文 (zh-CN)</option>
  </select>
  <span class="hint">{{_('lang.f.hint')}}</span>
  <span class="field-error" data-error-for="language" hidden></span></label>
