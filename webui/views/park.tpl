% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
</div>
<p class="muted intro">{{_('park.intro')}}</p>
<section class="card table-card">
  <div class="table-wrap">
  <table class="table" id="park-table">
    <thead><tr>
      <th>{{_('park.col.slot')}}</th><th>{{_('park.col.caller')}}</th><th>{{_('park.col.by')}}</th>
      <th>{{_('park.col.waiting')}}</th><th>{{_('park.col.back')}}</th>
    </tr></thead>
    <tbody id="park-rows"></tbody>
  </table>
  </div>
</section>
<section class="card" id="park-settings" hidden>
  <h2>{{_('park.settings')}}</h2>
  <form class="stack" id="park-form" novalidate>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('park.f.slots')}}</span>
        <input name="park_slots" type="number" min="1" max="20" required>
        <span class="field-error" data-error-for="park_slots" hidden></span></label>
      <label class="field"><span class="label">{{_('park.f.timeout')}}</span>
        <input name="park_timeout" type="number" min="10" max="600" required>
        <span class="field-error" data-error-for="park_timeout" hidden></span></label>
    </div>
    <div class="dialog-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
</section>
