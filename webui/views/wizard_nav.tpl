<div class="form-actions">
  <button class="btn" type="button" data-back>{{_('wiz.back')}}</button>
  <span class="spacer"></span>
  <button class="btn btn-primary" type="submit">{{_('wiz.next')}}</button>
</div>
