% rebase('layout')
% desk = user.role != 'department'
<div class="page-head">
  <h1>{{title}} <span class="mono" id="number">{{number}}</span></h1>
  <div class="actions"><a class="btn" href="/tickets">{{_('tk.back')}}</a></div>
</div>
<div class="grid cards-2">
  <section class="card">
    <h2 id="summary-head"></h2>
    <dl class="kv" id="facts"></dl>
    <p class="pre-wrap" id="details"></p>
    <div id="call"></div>
  </section>
  <section class="card">
    <h2>{{_('tk.work')}}</h2>
    <form class="stack" id="change-form" novalidate>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('tk.f.status')}}</span>
          <select name="status" id="status"></select>
          <span class="field-error" data-error-for="status" hidden></span></label>
        <label class="field"><span class="label">{{_('tk.f.priority')}}</span>
          <select name="priority">
            % for p in priorities:
            <option value="{{p}}">{{_('tk.priority.' + p)}}</option>
            % end
          </select>
          <span class="field-error" data-error-for="priority" hidden></span></label>
      </div>
      <div class="row-2">
        <label class="field"><span class="label">{{_('tk.f.category')}}</span>
          <select name="category"><option value="">—</option></select>
          <span class="field-error" data-error-for="category" hidden></span></label>
        <label class="field"><span class="label">{{_('tk.f.assignee')}}</span>
          <input name="assignee" autocomplete="off" maxlength="32">
          <span class="field-error" data-error-for="assignee" hidden></span></label>
      </div>
      <div class="dialog-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
    </form>
    % if desk:
    <form class="stack" id="dispatch-form" novalidate>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <label class="field"><span class="label">{{_('tk.dispatch_to')}}</span>
        <select name="department" id="dispatch-department"></select>
        <span class="field-error" data-error-for="department" hidden></span></label>
      <div class="dialog-actions"><button class="btn" type="submit">{{_('tk.dispatch')}}</button></div>
    </form>
    <form class="stack" id="three-way-form" novalidate>
      <p class="muted small">{{_('tk.three_way_hint')}}</p>
      <div class="alert alert-error" data-error-for="" hidden></div>
      <span class="field-error" data-error-for="department" hidden></span>
      <div class="dialog-actions"><button class="btn" type="submit" id="three-way">{{_('tk.three_way')}}</button></div>
    </form>
    % end
  </section>
</div>
<section class="card">
  <h2>{{_('tk.comments')}}</h2>
  <ul class="stack" id="comments"></ul>
  <form class="stack" id="comment-form" novalidate>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="field"><span class="label sr-only">{{_('tk.comment')}}</span>
      <textarea name="text" rows="3" maxlength="5000" required></textarea>
      <span class="field-error" data-error-for="text" hidden></span></label>
    <div class="dialog-actions"><button class="btn" type="submit">{{_('tk.add_comment')}}</button></div>
  </form>
</section>
<section class="card table-card">
  <div class="card-head"><h2>{{_('tk.history')}}</h2></div>
  <div class="table-wrap">
  <table class="table compact">
    <thead><tr><th>{{_('tk.col.when')}}</th><th>{{_('tk.col.who')}}</th><th>{{_('tk.col.field')}}</th>
      <th>{{_('tk.col.old')}}</th><th>{{_('tk.col.new')}}</th></tr></thead>
    <tbody id="history"></tbody>
  </table>
  </div>
</section>
