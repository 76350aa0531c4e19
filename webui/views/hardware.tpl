% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn" id="refresh" type="button">{{_('hw.refresh')}}</button></div>
</div>
<p class="muted intro">{{_('hw.intro')}}</p>
<div class="alert alert-warn" id="no-dahdi" hidden>{{_('hw.no_dahdi')}}</div>

<section class="card">
  <div class="card-head"><h2>{{_('hw.software')}}</h2></div>
  <label class="check"><input type="checkbox" id="software-spans"> {{_('hw.software_spans')}}</label>
  <p class="muted" id="software-help">{{_('hw.software_help')}}</p>
</section>

<section class="card table-card" id="sensors-card" hidden>
  <div class="card-head"><h2>{{_('hw.sensors')}}</h2><span class="muted mono" id="board-model"></span></div>
  <div class="alert alert-error" id="board-error" hidden></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('hw.col.sensor')}}</th><th>{{_('hw.col.chip')}}</th><th>{{_('hw.col.reading')}}</th>
      <th>{{_('hw.col.limits')}}</th><th>{{_('hw.col.state')}}</th>
    </tr></thead>
    <tbody id="sensor-rows"></tbody>
  </table>
  </div>
</section>

<section class="card" id="panel-card" hidden>
  <div class="card-head"><h2>{{_('hw.panel')}}</h2><span class="muted mono" id="panel-spec"></span></div>
  <p class="muted">{{_('hw.panel_help')}}</p>
  <pre class="lcd" id="panel-lines"></pre>
  <div class="alert alert-error" id="panel-error" hidden></div>
</section>

<section class="card table-card">
  <div class="card-head"><h2>{{_('hw.cards')}}</h2></div>
  <div class="table-wrap">
  <table class="table" id="cards">
    <thead><tr>
      <th>{{_('hw.col.card')}}</th><th>{{_('hw.col.profile')}}</th><th>{{_('hw.col.id')}}</th>
      <th>{{_('hw.col.slot')}}</th><th>{{_('hw.col.driver')}}</th><th>{{_('hw.col.lines')}}</th>
    </tr></thead>
    <tbody id="card-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="cards-empty" hidden><p class="muted">{{_('hw.no_cards')}}</p></div>
</section>

<section class="card table-card" id="unsupported-card" hidden>
  <div class="card-head"><h2>{{_('hw.unsupported')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr><th>{{_('hw.col.id')}}</th><th>{{_('hw.col.subsystem')}}</th><th>{{_('hw.col.slot')}}</th>
      <th>{{_('hw.col.vendor')}}</th></tr></thead>
    <tbody id="unsupported-rows"></tbody>
  </table>
  </div>
</section>

<section class="card table-card" id="spans-card" hidden>
  <div class="card-head"><h2>{{_('hw.spans')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('hw.col.span')}}</th><th>{{_('hw.col.card')}}</th><th>{{_('hw.col.signalling')}}</th>
      <th>{{_('hw.col.line')}}</th><th>{{_('hw.col.timing')}}</th><th>{{_('hw.col.trunk')}}</th>
      <th>{{_('hw.col.alarms')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="span-rows"></tbody>
  </table>
  </div>
</section>

<section class="card table-card" id="ports-card" hidden>
  <div class="card-head"><h2>{{_('hw.ports')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('hw.col.port')}}</th><th>{{_('hw.col.card')}}</th><th>{{_('hw.col.kind')}}</th>
      <th>{{_('hw.col.serves')}}</th><th>{{_('hw.col.state')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="port-rows"></tbody>
  </table>
  </div>
</section>

<dialog id="span-dialog" class="dialog dialog-wide">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('hw.f.signalling')}}</span>
        <select name="signalling">
          <option value="pri_cpe">{{_('hw.sig.pri_cpe')}}</option><option value="pri_net">{{_('hw.sig.pri_net')}}</option>
          <option value="mfcr2">{{_('hw.sig.mfcr2')}}</option><option value="unused">{{_('hw.sig.unused')}}</option>
        </select>
        <span class="field-error" data-error-for="signalling" hidden></span></label>
      <label class="field"><span class="label">{{_('hw.f.trunk')}}</span>
        <select name="trunk"></select>
        <span class="hint">{{_('hw.f.trunk_hint')}}</span>
        <span class="field-error" data-error-for="trunk" hidden></span></label>
    </div>
    <div class="row-3">
      <label class="field"><span class="label">{{_('hw.f.framing')}}</span>
        <select name="framing"><option value="ccs">CCS</option><option value="cas">CAS</option></select>
        <span class="field-error" data-error-for="framing" hidden></span></label>
      <label class="field"><span class="label">{{_('hw.f.coding')}}</span>
        <select name="coding"><option value="hdb3">HDB3</option><option value="ami">AMI</option></select>
        <span class="field-error" data-error-for="coding" hidden></span></label>
      <label class="field"><span class="label">{{_('hw.f.timing')}}</span>
        <input name="timing" type="number" min="0" max="32">
        <span class="hint">{{_('hw.f.timing_hint')}}</span>
        <span class="field-error" data-error-for="timing" hidden></span></label>
    </div>
    <label class="check"><input type="checkbox" name="crc4"> {{_('hw.f.crc4')}}</label>
    <fieldset class="stack" data-for="pri">
      <legend>{{_('hw.f.pri')}}</legend>
      <label class="field"><span class="label">{{_('hw.f.switchtype')}}</span>
        <select name="switchtype"><option value="euroisdn">{{_('hw.sw.euroisdn')}}</option>
          <option value="national">{{_('hw.sw.national')}}</option></select>
        <span class="field-error" data-error-for="switchtype" hidden></span></label>
      <label class="check"><input type="checkbox" name="overlap"> {{_('hw.f.overlap')}}</label>
    </fieldset>
    <fieldset class="stack" data-for="mfcr2">
      <legend>{{_('hw.f.r2')}}</legend>
      <div class="row-2">
        <label class="field"><span class="label">{{_('hw.f.r2_variant')}}</span>
          <select name="r2_variant"></select>
          <span class="field-error" data-error-for="r2_variant" hidden></span></label>
        <label class="field"><span class="label">{{_('hw.f.r2_category')}}</span>
          <select name="r2_category"></select>
          <span class="field-error" data-error-for="r2_category" hidden></span></label>
      </div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('hw.f.r2_max_ani')}}</span>
          <input name="r2_max_ani" type="number" min="1" max="20">
          <span class="field-error" data-error-for="r2_max_ani" hidden></span></label>
        <label class="field"><span class="label">{{_('hw.f.r2_max_dnis')}}</span>
          <input name="r2_max_dnis" type="number" min="1" max="20">
          <span class="field-error" data-error-for="r2_max_dnis" hidden></span></label>
      </div>
      <label class="check"><input type="checkbox" name="r2_double_answer"> {{_('hw.f.r2_double_answer')}}</label>
    </fieldset>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

<dialog id="port-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('hw.f.kind')}}</span>
      <select name="kind"><option value="fxs">{{_('hw.kind.fxs')}}</option><option value="fxo">{{_('hw.kind.fxo')}}</option></select>
      <span class="field-error" data-error-for="kind" hidden></span></label>
    <label class="field" data-for="fxs"><span class="label">{{_('hw.f.extension')}}</span>
      <input name="extension" inputmode="numeric" autocomplete="off" class="mono">
      <span class="field-error" data-error-for="extension" hidden></span></label>
    <label class="field" data-for="fxo"><span class="label">{{_('hw.f.trunk')}}</span>
      <select name="trunk"></select>
      <span class="field-error" data-error-for="trunk" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>
