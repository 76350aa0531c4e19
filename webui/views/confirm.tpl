<dialog id="confirm-dialog" class="dialog">
  <form class="stack" method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-text"></p>
    <div class="dialog-actions">
      <button class="btn" value="cancel">{{_('common.cancel')}}</button>
      <button class="btn btn-danger" value="ok" id="confirm-ok"></button>
    </div>
  </form>
</dialog>
