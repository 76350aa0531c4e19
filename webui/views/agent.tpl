% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  % if not fixed:
  <form class="picker" id="picker" role="search">
    <select id="agent-pick" aria-label="{{_('agent.pick')}}"><option value="">{{_('agent.pick')}}</option></select>
  </form>
  % end
</div>
<div class="empty-state card" id="agent-none">
  <p class="muted">{{_('agent.none_chosen') if not fixed else _('agent.no_extension')}}</p>
</div>
<div id="agent-body" hidden>
  <div class="grid agent-top">
    <section class="card" id="state-card">
      <div class="card-head">
        <h2 id="agent-heading"></h2>
        <span id="agent-state"></span>
      </div>
      <p class="muted small" id="agent-queues"></p>
      <div class="card-actions">
        <button class="btn btn-primary" type="button" id="login">{{_('agent.login')}}</button>
        <select id="reason" aria-label="{{_('agent.reason')}}"></select>
        <button class="btn" type="button" id="pause">{{_('agent.pause')}}</button>
        <button class="btn btn-primary" type="button" id="unpause">{{_('agent.unpause')}}</button>
        <button class="btn btn-danger-ghost" type="button" id="logout">{{_('agent.logout')}}</button>
      </div>
      <p class="field-error" id="state-error" role="alert" hidden></p>
    </section>
    <section class="card">
      <h2>{{_('agent.today')}}</h2>
      <div class="figures">
        <div class="figure"><div class="figure-value" id="today-calls">—</div><div class="figure-label">{{_('agent.today_calls')}}</div></div>
        <div class="figure"><div class="figure-value" id="today-talk">—</div><div class="figure-label">{{_('agent.today_talk')}}</div></div>
        <div class="figure"><div class="figure-value" id="today-score">—</div><div class="figure-label" id="today-score-label">{{_('agent.today_score')}}</div></div>
      </div>
    </section>
  </div>

  <section class="card phone-card" id="phone-card" data-state="off" hidden>
    <div class="card-head">
      <h2>{{_('phone.title')}}</h2>
      <span class="state-badge" id="phone-state"></span>
      <label class="switch"><input type="checkbox" id="phone-toggle"> <span>{{_('phone.toggle')}}</span></label>
    </div>
    <p class="muted small">{{_('phone.intro')}}</p>
    <p class="field-error" id="phone-problem" role="alert" hidden></p>
    <form class="inline-form" id="phone-dial-form" novalidate hidden>
      <input id="phone-dial-to" class="mono" inputmode="tel" autocomplete="off" maxlength="32"
             placeholder="{{_('phone.dial_to')}}" aria-label="{{_('phone.dial_to')}}">
      <button class="btn btn-primary" type="submit" id="phone-dial">{{_('phone.dial')}}</button>
      <span class="field-error" id="phone-dial-error" role="alert" hidden></span>
    </form>
    <p class="c2c-status" id="phone-dial-status" role="status" hidden></p>
    <div class="phone-call stack" id="phone-call" hidden>
      <div class="card-head">
        <strong class="mono" id="phone-caller"></strong>
        <span class="state-badge" id="phone-phase"></span>
      </div>
      <div class="card-actions">
        <button class="btn btn-primary" type="button" id="phone-answer">{{_('phone.answer')}}</button>
        <button class="btn btn-danger-ghost" type="button" id="phone-decline">{{_('phone.decline')}}</button>
        <button class="btn btn-danger-ghost" type="button" id="phone-hangup">{{_('phone.hangup')}}</button>
        <button class="btn" type="button" id="phone-hold" aria-pressed="false">{{_('phone.hold')}}</button>
        <button class="btn" type="button" id="phone-mute" aria-pressed="false">{{_('phone.mute')}}</button>
      </div>
      <div class="keypad" id="phone-keypad" role="group" aria-label="{{_('phone.keypad')}}">
        % for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"):
        <button class="btn" type="button" data-key="{{key}}">{{key}}</button>
        % end
      </div>
      <form class="inline-form" id="phone-transfer-form" novalidate>
        <input id="phone-transfer-to" class="mono" inputmode="tel" autocomplete="off" maxlength="32"
               placeholder="{{_('phone.transfer_to')}}" aria-label="{{_('phone.transfer_to')}}">
        <button class="btn" type="submit" id="phone-transfer">{{_('phone.transfer')}}</button>
        <span class="field-error" id="phone-transfer-error" role="alert" hidden></span>
      </form>
    </div>
    <audio id="phone-audio" autoplay></audio>
  </section>

  <section class="card pop" id="pop" hidden>
    <div class="card-head pop-head">
      <h2 id="pop-title"></h2>
      <span class="state-badge" id="pop-state"></span>
      <button class="btn btn-small" id="pop-ticket" type="button">{{_('tk.add')}}</button>
      <a class="small" id="pop-ticket-made" hidden></a>
    </div>
    <div class="pop-grid">
      <div class="stack">
        <div id="pop-customer">
          <dl class="kv" id="pop-record"></dl>
        </div>
        <form class="stack" id="contact-form" novalidate hidden>
          <p class="muted">{{_('agent.new_contact_intro')}}</p>
          <div class="alert alert-error" data-error-for="" hidden></div>
          <div class="row-2">
            <label class="field"><span class="label">{{_('cust.f.name')}}</span>
              <input name="name" autocomplete="off" required maxlength="100">
              <span class="field-error" data-error-for="name" hidden></span></label>
            <label class="field"><span class="label">{{_('cust.f.company')}}</span>
              <input name="company" autocomplete="off" maxlength="100">
              <span class="field-error" data-error-for="company" hidden></span></label>
          </div>
          <label class="field"><span class="label">{{_('cust.f.number')}}</span>
            <input name="number" autocomplete="off" class="mono" inputmode="tel">
            <span class="field-error" data-error-for="numbers" hidden></span></label>
          <label class="field"><span class="label">{{_('cust.f.notes')}}</span>
            <textarea name="notes" rows="2" maxlength="2000"></textarea>
            <span class="field-error" data-error-for="notes" hidden></span></label>
          <div><button class="btn btn-primary" type="submit">{{_('agent.save_contact')}}</button></div>
        </form>
        <div>
          <h3>{{_('agent.last_calls')}}</h3>
          <table class="table compact">
            <thead><tr><th>{{_('hist.col.entered')}}</th><th>{{_('hist.col.queue')}}</th><th>{{_('hist.col.agent')}}</th>
              <th>{{_('hist.col.outcome')}}</th><th>{{_('hist.col.talk')}}</th></tr></thead>
            <tbody id="pop-history"></tbody>
          </table>
          <p class="muted small" id="pop-history-none" hidden>{{_('agent.first_call')}}</p>
        </div>
        <div>
          <h3>{{_('agent.caller_tickets')}}</h3>
          <table class="table compact">
            <thead><tr><th>{{_('tk.col.number')}}</th><th>{{_('tk.col.summary')}}</th><th>{{_('tk.col.status')}}</th></tr></thead>
            <tbody id="pop-tickets"></tbody>
          </table>
          <p class="muted small" id="pop-tickets-none" hidden>{{_('agent.no_tickets')}}</p>
        </div>
      </div>
      <div class="stack">
        <form class="stack" id="notes-form" novalidate>
          <label class="field"><span class="label">{{_('agent.notes')}}</span>
            <textarea name="notes" id="notes" rows="6" maxlength="4000" placeholder="{{_('agent.notes_placeholder')}}"></textarea>
            <span class="field-error" data-error-for="notes" hidden></span></label>
          <div class="form-actions">
            <button class="btn" type="submit" id="notes-save">{{_('common.save')}}</button>
            <span class="muted small" id="notes-state" data-state="saved"></span>
          </div>
        </form>
        <div id="pop-external" hidden>
          <h3>{{_('agent.crm')}}</h3>
          <table class="table compact kv-table"><tbody id="pop-external-rows"></tbody></table>
        </div>
      </div>
    </div>
  </section>

  <section class="card table-card">
    <div class="card-head"><h2>{{_('agent.calls_today')}}</h2></div>
    <div class="table-wrap">
    <table class="table">
      <thead><tr><th>{{_('hist.col.entered')}}</th><th>{{_('hist.col.caller')}}</th><th>{{_('hist.col.queue')}}</th>
        <th>{{_('hist.col.wait')}}</th><th>{{_('hist.col.talk')}}</th><th>{{_('hist.col.outcome')}}</th>
        <th>{{_('hist.col.survey')}}</th></tr></thead>
      <tbody id="call-rows"></tbody>
    </table>
    </div>
    <div class="empty-state compact" id="calls-empty" hidden><p class="muted">{{_('agent.no_calls')}}</p></div>
  </section>

  <section class="card table-card">
    <div class="card-head"><h2>{{_('recent.title')}}</h2></div>
    <div class="table-wrap">
    <table class="table">
      <thead><tr><th>{{_('recent.col.when')}}</th><th>{{_('recent.col.kind')}}</th><th>{{_('recent.col.number')}}</th>
        <th>{{_('recent.col.talk')}}</th></tr></thead>
      <tbody id="recent-rows"></tbody>
    </table>
    </div>
    <div class="empty-state compact" id="recent-empty" hidden><p class="muted">{{_('recent.none')}}</p></div>
  </section>
</div>

% include('ticket_form')
