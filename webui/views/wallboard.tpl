% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <form class="picker" id="board-form" novalidate>
    <label class="inline-field">{{_('wb.show')}}
      <select id="queue-pick"><option value="">{{_('wb.all_queues')}}</option></select></label>
    <label class="inline-field">{{_('wb.my_phone')}}
      <input name="supervisor" id="spy-phone" class="short mono" inputmode="numeric" autocomplete="off"
             aria-describedby="spy-hint"></label>
    <span class="field-error" data-error-for="supervisor" hidden></span>
  </form>
</div>
<p class="muted intro" id="spy-hint">{{_('wb.spy_hint')}}</p>
<div class="empty-state card" id="no-queues" hidden><p class="muted">{{_('wb.no_queues')}}</p></div>
<div class="grid queue-cards" id="queue-cards"></div>

<section class="card table-card">
  <div class="card-head"><h2>{{_('wb.calls')}}</h2></div>
  <div class="table-wrap">
  <table class="table" id="calls-table">
    <thead><tr>
      <th>{{_('wb.col.queue')}}</th><th>{{_('wb.col.caller')}}</th><th>{{_('wb.col.agent')}}</th>
      <th>{{_('wb.col.state')}}</th><th>{{_('wb.col.duration')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="call-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="calls-empty" hidden><p class="muted">{{_('wb.no_calls')}}</p></div>
</section>

<section class="card table-card">
  <div class="card-head"><h2>{{_('wb.agents')}}</h2><span class="muted" id="agent-summary"></span></div>
  <div class="table-wrap">
  <table class="table" id="agents-table">
    <thead><tr>
      <th>{{_('wb.col.agent')}}</th><th>{{_('wb.col.state')}}</th><th>{{_('wb.col.queues')}}</th>
      <th>{{_('wb.col.call')}}</th><th>{{_('wb.col.answered')}}</th><th>{{_('wb.col.talk')}}</th>
      <th>{{_('wb.col.satisfaction')}}</th>
      <th class="col-actions"><span class="sr-only">{{_('ext.col.actions')}}</span></th>
    </tr></thead>
    <tbody id="agent-rows"></tbody>
  </table>
  </div>
  <div class="empty-state compact" id="agents-empty" hidden><p class="muted">{{_('wb.no_agents')}}</p></div>
</section>

<dialog id="pause-dialog" class="dialog">
  <form class="stack" id="pause-form" novalidate>
    <h2 id="pause-title"></h2>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label">{{_('agent.reason')}}</span>
      <select name="reason" id="pause-reason"></select>
      <span class="field-error" data-error-for="reason" hidden></span></label>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('agent.pause')}}</button>
    </div>
  </form>
</dialog>

<dialog id="move-dialog" class="dialog">
  <form class="stack" id="move-form" novalidate>
    <h2 id="move-title"></h2>
    <p class="muted">{{_('wb.move_intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <div class="field"><span class="label">{{_('wb.move_to')}}</span>
      <div id="move-dest"></div>
      <span class="field-error" data-error-for="target" hidden></span></div>
    <div class="dialog-actions">
      <button class="btn" type="button" data-close>{{_('common.cancel')}}</button>
      <button class="btn btn-primary" type="submit">{{_('wb.move')}}</button>
    </div>
  </form>
</dialog>

% include('confirm')
