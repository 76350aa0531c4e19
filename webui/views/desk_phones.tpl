% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <div class="actions"><button class="btn btn-primary" id="add" type="button">{{_('dp.add')}}</button></div>
</div>
<p class="muted intro">{{_('dp.intro')}}</p>
<section class="card stack">
  <h2>{{_('dp.find')}}</h2>
  <p>{{_('dp.option66')}} <code class="mono" id="provision-url"></code></p>
  <p class="muted">{{_('dp.pnp')}}</p>
</section>
<section class="card table-card">
  <div class="card-head"><h2>{{_('dp.claimed')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('dp.col.mac')}}</th><th>{{_('dp.col.extension')}}</th><th>{{_('dp.col.template')}}</th>
      <th>{{_('dp.col.address')}}</th><th>{{_('dp.col.fetched')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="empty" hidden><p class="muted">{{_('dp.none')}}</p></div>
</section>
<section class="card table-card">
  <div class="card-head"><h2>{{_('dp.asking')}}</h2></div>
  <div class="table-wrap">
  <table class="table">
    <thead><tr>
      <th>{{_('dp.col.mac')}}</th><th>{{_('dp.col.user_agent')}}</th><th>{{_('dp.col.from')}}</th>
      <th>{{_('dp.col.asked')}}</th><th>{{_('dp.col.last_seen')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="asking-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="asking-empty" hidden><p class="muted">{{_('dp.asking_none')}}</p></div>
</section>

<dialog id="edit-dialog" class="dialog">
  <form class="stack" novalidate>
    <h2 class="dialog-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('dp.f.mac')}}</span>
        <input name="mac" autocomplete="off" required maxlength="17" class="mono">
        <span class="hint">{{_('dp.f.mac_hint')}}</span>
        <span class="field-error" data-error-for="mac" hidden></span></label>
      <label class="field"><span class="label">{{_('dp.f.extension')}}</span>
        <input name="extension" inputmode="numeric" autocomplete="off" required maxlength="8">
        <span class="field-error" data-error-for="extension" hidden></span></label>
    </div>
    <div class="row-2">
      <label class="field"><span class="label">{{_('dp.f.template')}}</span>
        <select name="template">
          <option value="yealink">Yealink</option><option value="grandstream">Grandstream</option>
          <option value="fanvil">Fanvil</option><option value="snom">Snom</option>
          <option value="polycom">Polycom</option>
        </select>
        <span class="field-error" data-error-for="template" hidden></span></label>
      <label class="field"><span class="label">{{_('dp.f.transport')}}</span>
        <select name="transport"><option value="udp">UDP</option><option value="tcp">TCP</option></select>
        <span class="field-error" data-error-for="transport" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('dp.f.blf')}}</span>
      <input name="blf" autocomplete="off" maxlength="120">
      <span class="hint">{{_('dp.f.blf_hint')}}</span>
      <span class="field-error" data-error-for="blf" hidden></span></label>
    <label class="check"><input type="checkbox" name="park_keys"> {{_('dp.f.park_keys')}}</label>
    <span class="field-error" data-error-for="park_keys" hidden></span>
    <label class="field"><span class="label">{{_('dp.f.firmware_url')}}</span>
      <input name="firmware_url" autocomplete="off" maxlength="300" class="mono">
      <span class="hint">{{_('dp.f.firmware_hint')}}</span>
      <span class="field-error" data-error-for="firmware_url" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('common.save')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
