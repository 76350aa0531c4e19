/* Updates: both slots' versions, upload a bundle with its progress, follow the install and the reboot. */
(function () {
  "use strict";
  const {boot, t, api, toast, confirmDialog} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  if (!boot.update || !boot.update.available) return;
  let status = boot.update;

  function setText(id, text) { $(id).textContent = text; }

  function render() {
    const run = status.running || {}, other = status.other || {}, last = status.last_update;
    setText("run-slot", run.slot || "—");
    setText("run-version", run.version || "—");
    setText("run-state", run.confirmed ? t("upd.confirmed") : t("upd.starting"));
    setText("other-slot", other.slot || "—");
    setText("other-version", other.version || (other.state === "empty" ? t("upd.empty") : "—"));
    setText("last-update", last ? t("upd.result." + last.result, {version: last.version || "?"}) : "—");
    const job = status.job || {};
    if (job.state && job.state !== "idle") showJob(job);
  }

  function showJob(job) {
    $("job").hidden = false;
    const bar = $("job-progress");
    if (typeof job.progress === "number") bar.value = job.progress;
    const text = {
      receiving: t("upd.job.receiving", {n: job.progress || 0}),
      checking: t("upd.job.checking"),
      installing: t("upd.job.installing", {version: job.version || "", n: job.progress || 0}),
      rebooting: t("upd.job.rebooting"),
      failed: job.message || t("upd.job.failed"),
    }[job.state] || job.state;
    setText("job-text", text);
    $("job-text").dataset.state = job.state === "failed" ? "bad" : "";
    $("upload-button").disabled = ["receiving", "checking", "installing", "rebooting"].includes(job.state);
  }

  async function refresh() {
    try { status = await api("GET", "/system/update"); render(); return true; } catch (e) { return false; }
  }

  function waitForReboot(oldVersion) {
    // The box goes away, then comes back; the running version tells which system it came back on.
    let gone = false;
    const timer = setInterval(async () => {
      const ok = await refresh();
      if (!ok) { gone = true; setText("job-text", t("upd.job.rebooting")); return; }
      const job = status.job || {};
      if (gone && job.state !== "rebooting" && !(status.running || {}).confirmed) {
        setText("job-text", t("upd.job.starting"));
        return;
      }
      if (gone && job.state !== "rebooting") {
        clearInterval(timer);
        setTimeout(refresh, 5000);  // the other slot's version is read once the new system is confirmed
        const now = (status.running || {}).version;
        setText("job-text", now !== oldVersion ? t("upd.done", {version: now}) : t("upd.kept", {version: now}));
        $("job-progress").value = 100;
        $("upload-button").disabled = false;
      }
    }, 2000);
  }

  function follow(oldVersion) {
    const timer = setInterval(async () => {
      if (!(await refresh())) return;
      const job = status.job || {};
      if (job.state === "failed") { clearInterval(timer); toast(job.message, "bad"); }
      if (job.state === "rebooting") { clearInterval(timer); waitForReboot(oldVersion); }
    }, 1000);
  }

  // A lost connection (a laptop changing networks, Wi-Fi dropping) sends the bundle again: the
  // box keeps nothing of a cut upload, so each try starts from the beginning.
  const UPLOAD_TRIES = 4;

  // The box may not have seen the cut yet: it still reads the lost upload ("receiving") until its
  // web server gives up on the silent connection (30 s). The next try waits for that rather than
  // being refused as a second upload.
  async function lostTryReleased() {
    const until = Date.now() + 45000;
    do {
      await new Promise((done) => setTimeout(done, 2000));
      if ((await refresh()) && (status.job || {}).state !== "receiving") return;
    } while (Date.now() < until);
  }

  function upload(file, oldVersion, attempt) {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/system/update");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-CSRF-Token", boot.csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) showJob({state: "receiving", progress: Math.round(ev.loaded * 100 / ev.total)});
    });
    const again = async () => {
      setText("job-text", t("upd.job.again", {n: attempt + 1, of: UPLOAD_TRIES}));
      await lostTryReleased();
      setText("job-text", t("upd.job.again", {n: attempt + 1, of: UPLOAD_TRIES}));
      upload(file, oldVersion, attempt + 1);
    };
    xhr.addEventListener("load", () => {
      let doc = {};
      try { doc = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
      if (xhr.status === 202) { showJob(doc); follow(oldVersion); return; }
      // The box lost the connection while it read ("interrupted", "cut short"), or still holds an
      // earlier try it has not seen end ("receiving").
      const lost = /interrupted|cut short|receiving/.test(doc.error || "");
      if (xhr.status === 409 && lost && attempt < UPLOAD_TRIES) { again(); return; }
      showJob({state: "failed", message: doc.error || t("upd.job.failed")});
      toast(doc.error || t("upd.job.failed"), "bad");
    });
    xhr.addEventListener("error", () => {
      if (attempt < UPLOAD_TRIES) again();
      else showJob({state: "failed", message: t("upd.job.lost")});
    });
    showJob({state: "receiving", progress: 0});
    xhr.send(file);
  }

  $("upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("bundle-file").files[0];
    if (!file) return;
    upload(file, (status.running || {}).version, 1);
  });

  $("reset-button").addEventListener("click", async () => {
    if (!(await confirmDialog(t("upd.reset_title"), t("upd.reset_text"), t("upd.reset_button")))) return;
    try {
      await api("POST", "/system/factory-reset", {confirm: "erase"});
      showJob({state: "rebooting", progress: 0});
    } catch (err) { toast(err.message || String(err), "bad"); }
  });

  render();
})();
