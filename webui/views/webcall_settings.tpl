% rebase('layout')
<div class="page-head">
  <h1>{{title}}</h1>
  <a class="btn" href="/webcall/demo" id="demo-link">{{_('wc.demo')}}</a>
</div>
<div class="grid cards-2 top">
  <form class="card stack settings-form" id="webcall-form" novalidate>
    <p class="muted">{{_('wc.intro')}}</p>
    <div class="alert alert-error" data-error-for="" hidden></div>
    <label class="check"><input name="enabled" type="checkbox"> {{_('wc.enabled')}}</label>
    <span class="field-error" data-error-for="enabled" hidden></span>
    <label class="field"><span class="label">{{_('wc.origins')}}</span>
      <textarea name="origins" rows="3" class="mono" placeholder="https://www.example.com"></textarea>
      <span class="hint">{{_('wc.origins_hint')}}</span>
      <span class="field-error" data-error-for="origins" hidden></span></label>
    <div class="field"><span class="label">{{_('wc.queues')}}</span>
      <div id="queue-choices"></div>
      <span class="hint">{{_('wc.queues_hint')}}</span>
      <span class="field-error" data-error-for="queues" hidden></span></div>
    <label class="field"><span class="label">{{_('wc.topics')}}</span>
      <textarea name="topics" rows="3" placeholder="{{_('wc.topics_example')}}"></textarea>
      <span class="hint">{{_('wc.topics_hint')}}</span>
      <span class="field-error" data-error-for="topics" hidden></span></label>
    <div class="row-2">
      <label class="field"><span class="label">{{_('wc.per_address')}}</span>
        <input name="per_address" type="number" min="1" max="100" required>
        <span class="field-error" data-error-for="per_address" hidden></span></label>
      <label class="field"><span class="label">{{_('wc.per_number')}}</span>
        <input name="per_number" type="number" min="1" max="20" required>
        <span class="field-error" data-error-for="per_number" hidden></span></label>
    </div>
    <label class="field"><span class="label">{{_('wc.permission_class')}}</span>
      <select name="permission_class"></select>
      <span class="hint">{{_('wc.permission_class_hint')}}</span>
      <span class="field-error" data-error-for="permission_class" hidden></span></label>
    <div class="form-actions"><button class="btn btn-primary" type="submit">{{_('common.save')}}</button></div>
  </form>
  <section class="card stack">
    <h2>{{_('wc.snippet')}}</h2>
    <p class="muted">{{_('wc.snippet_intro')}}</p>
    <pre class="mono" id="snippet"></pre>
  </section>
</div>
