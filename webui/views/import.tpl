<dialog id="import-dialog" class="dialog dialog-wide">
  <form class="stack" id="import-form" novalidate>
    <h2>{{heading}}</h2>
    <p class="muted">{{intro}}</p>
    <code class="sample">{{sample}}</code>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('ext.imp.file')}}</span>
      <input name="file" type="file" accept=".csv,text/csv" required></label>
    <div id="import-result" hidden>
      <div class="alert" id="import-summary"></div>
      <table class="table compact" id="import-errors" hidden>
        <thead><tr><th>{{_('ext.imp.line')}}</th><th>{{_('ext.imp.field')}}</th><th>{{_('ext.imp.problem')}}</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.close')}}</button>
      <button class="btn btn-primary" type="submit">{{_('ext.imp.upload')}}</button>
    </div>
  </form>
</dialog>
