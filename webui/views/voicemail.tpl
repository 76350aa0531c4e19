% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  % if not fixed:
  <form class="picker" id="picker" role="search">
    <input type="search" id="mailbox-input" list="mailbox-options" placeholder="{{_('vm.pick')}}" aria-label="{{_('vm.pick')}}" autocomplete="off">
    <datalist id="mailbox-options"></datalist>
    <button class="btn btn-primary" type="submit">{{_('vm.open')}}</button>
  </form>
  % end
</div>
<div class="empty-state card" id="vm-none">
  <p class="muted" id="vm-none-text">{{_('vm.none_chosen') if not fixed else _('vm.no_extension')}}</p>
</div>
<div id="vm-body" hidden>
  <section class="card table-card">
    <div class="card-head">
      <h2 id="vm-heading"></h2>
      <button class="btn" id="vm-refresh" type="button">{{_('vm.refresh')}}</button>
    </div>
    <div class="table-wrap">
    <table class="table" id="vm-table">
      <thead><tr>
        <th>{{_('vm.col.received')}}</th><th>{{_('vm.col.caller')}}</th><th>{{_('vm.col.folder')}}</th>
        <th>{{_('vm.col.duration')}}</th><th>{{_('vm.col.play')}}</th><th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
      </tr></thead>
      <tbody id="vm-rows"></tbody>
    </table>
    </div>
    <div class="empty-state compact" id="vm-empty" hidden><p class="muted">{{_('vm.empty')}}</p></div>
  </section>
  <section class="card">
    <h2>{{_('vm.greetings')}}</h2>
    <p class="muted">{{_('vm.greetings_intro')}}</p>
    <div class="alert alert-error" id="greet-error" hidden></div>
    <table class="table compact" id="greet-table">
      <tbody id="greet-rows"></tbody>
    </table>
  </section>
</div>

% include('confirm')
