/* The phone in this browser (agent desk): the signed-in user's extension gets a second SIP
   endpoint, <extension>-web, which this page registers over WebSocket with JsSIP (vendored,
   webui/static/js/vendor). Calls to the extension ring it with the desk phone; the desk's screen
   pop shows who calls. Answer, hang up, hold, mute, keypad (RFC 4733 tones), blind transfer.
   Calls out go through click-to-call (POST /calls, the dial field here and the ☎ buttons): the
   box checks the number against the user's permission class, rings this phone first, and the
   page answers that call by itself, then the box dials the number.
   No STUN: on the box's network the host candidates do, and the offer or answer goes out a
   moment after the first host candidate instead of waiting for ICE gathering to end. */
(function () {
  "use strict";
  const {t, el, api} = window.Callbox;
  const $ = (id) => document.getElementById(id);
  const HOST_CANDIDATES_MS = 50;
  const EXPECT_MS = 120000;  // click-to-call rings the phone for the box's ring time, 120 s at the most
  const card = $("phone-card");
  if (!card || !window.JsSIP) return;

  let account = null;
  let ua = null;
  let session = null;
  let held = false;
  let muted = false;
  let expected = null;  // {number, until}: the click-to-call this page asked for, answered by itself
  // Tests and the desk read the phone's state here.
  const phone = window.Callbox.webphone = {state: "off", call: null, get session() { return session; },
    /* The box rings this phone for a call to `number` the user asked for: answer it (its INVITE
       may come before the box's answer to the page's request, or after). */
    expect(number) {
      expected = {number: String(number), until: Date.now() + EXPECT_MS};
      if (session && phone.call === "ringing") answerExpected();
    }};

  function setState(state, detail) {
    phone.state = state;
    card.dataset.state = state;
    const badge = $("phone-state");
    badge.dataset.state = {registered: "available", connecting: "ringing", failed: "logged_out",
                           off: "logged_out"}[state] || "logged_out";
    badge.textContent = t("phone.state." + state);
    const problem = $("phone-problem");
    problem.hidden = !detail;
    problem.textContent = detail || "";
    showDial();
  }

  function showDial() {
    $("phone-dial-form").hidden = phone.state !== "registered" || Boolean(phone.call);
  }

  function setCall(phase, caller) {
    phone.call = phase;
    const box = $("phone-call");
    box.hidden = !phase;
    box.dataset.phase = phase || "";
    $("phone-caller").textContent = caller || t("wb.unknown_caller");
    $("phone-phase").textContent = phase ? t("phone.phase." + phase) : "";
    $("phone-answer").hidden = $("phone-decline").hidden = phase !== "ringing";
    for (const id of ["phone-hangup", "phone-hold", "phone-mute", "phone-keypad", "phone-transfer-form"]) {
      $(id).hidden = phase !== "connected";
    }
    $("phone-hold").textContent = t(held ? "phone.unhold" : "phone.hold");
    $("phone-hold").setAttribute("aria-pressed", String(held));
    $("phone-mute").textContent = t(muted ? "phone.unmute" : "phone.mute");
    $("phone-mute").setAttribute("aria-pressed", String(muted));
    showDial();
  }

  /* A microphone the browser will not give is said plainly: which problem, and what to do. */
  function micProblem(error) {
    const name = (error && error.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError") return t("phone.mic.denied");
    if (name === "NotFoundError" || name === "OverconstrainedError") return t("phone.mic.none");
    if (name === "NotReadableError") return t("phone.mic.busy");
    if (!window.isSecureContext || !navigator.mediaDevices) return t("phone.mic.insecure");
    return t("phone.mic.other", {error: (error && error.message) || name});
  }

  async function checkMicrophone() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error("insecure"), {name: "SecurityError"});
    }
    const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: false});
    stream.getTracks().forEach((track) => track.stop());
  }

  function socketUrl() {
    const secure = location.protocol === "https:";
    const port = secure ? account.tls_port : account.port;
    if (!port) return null;
    const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
    return `${secure ? "wss" : "ws"}://${host}:${port}${account.path}`;
  }

  function stop() {
    if (session) { try { session.terminate(); } catch (e) { /* already over */ } }
    session = null;
    if (ua) { ua.stop(); ua = null; }
    setCall(null);
  }

  function start() {
    stop();
    const url = socketUrl();
    if (!url) { setState("failed", t("phone.no_tls")); return; }
    setState("connecting");
    const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(url)],
      uri: `sip:${account.user}@${host}`,
      password: account.password,
      display_name: account.display_name,
      register: true,
      register_expires: 300,
      session_timers: false,
      user_agent: "Callbox browser phone",
    });
    ua.on("registered", () => setState("registered"));
    ua.on("unregistered", () => { if (ua) setState("connecting"); });
    ua.on("registrationFailed", (e) => setState("failed", t("phone.reg_failed", {cause: e.cause || ""})));
    ua.on("disconnected", () => { if (ua) setState("connecting", t("phone.reconnecting")); });
    ua.on("newRTCSession", (e) => incoming(e));
    ua.start();
  }

  /* Only calls to this phone: it places none of its own (click-to-call rings it instead). */
  function incoming(e) {
    if (e.originator !== "remote") return;
    if (session) { e.session.terminate({status_code: 486, reason_phrase: "Busy Here"}); return; }
    session = e.session;
    held = muted = false;
    const caller = session.remote_identity && session.remote_identity.uri ? session.remote_identity.uri.user : "";
    phone.caller = caller;
    let soon = null;
    session.on("icecandidate", (ev) => {
      // The box is on this network: a host candidate reaches it. Waiting for gathering to end
      // (or for a STUN server that is not there) would only delay the answer; the computer's
      // other host candidates come within milliseconds of the first, and the box needs the one
      // on its network among them (its checks go only to candidates it was told of).
      if (ev.candidate.type !== "host" || soon) return;
      soon = setTimeout(() => { soon = null; ev.ready(); }, HOST_CANDIDATES_MS);
    });
    session.on("peerconnection", (ev) => attachAudio(ev.peerconnection));
    session.on("accepted", () => setCall("connected", caller));
    session.on("confirmed", () => setCall("connected", caller));
    session.on("hold", () => { held = true; setCall("connected", caller); });
    session.on("unhold", () => { held = false; setCall("connected", caller); });
    session.on("getusermediafailed", (err) => setState(phone.state, micProblem(err)));
    const over = () => {
      session = null;
      setCall(null);
      phone.ended = (phone.ended || 0) + 1;
    };
    session.on("ended", over);
    session.on("failed", over);
    setCall("ringing", caller);
    answerExpected();
  }

  /* The call this page asked for (the box shows the dialled number as the caller): no second click. */
  function answerExpected() {
    if (expected && expected.number === phone.caller && Date.now() < expected.until) {
      expected = null;
      answer();
    }
  }

  function attachAudio(pc) {
    pc.addEventListener("track", (ev) => {
      const audio = $("phone-audio");
      audio.srcObject = ev.streams[0] || new MediaStream([ev.track]);
      audio.play().catch(() => { /* plays once the user has touched the page */ });
    });
  }

  function answer() {
    if (!session) return;
    session.answer({mediaConstraints: {audio: true, video: false}, pcConfig: {iceServers: []},
                    rtcOfferConstraints: {offerToReceiveAudio: true}});
    if (session.connection) attachAudio(session.connection);
  }

  $("phone-answer").addEventListener("click", answer);
  $("phone-dial-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const to = $("phone-dial-to").value.replace(/[\s().-]/g, "");
    const problem = $("phone-dial-error");
    problem.hidden = true;
    if (!/^[0-9*#]{1,32}$/.test(to)) {
      problem.textContent = t("phone.dial_bad");
      problem.hidden = false;
      return;
    }
    $("phone-dial").disabled = true;
    const status = $("phone-dial-status");
    status.hidden = true;
    try {
      // What becomes of the call (this phone rings, the number is busy...) shows under the field.
      const placed = await window.Callbox.placeCall(account.extension, to, (message, kind) => {
        status.textContent = message;
        status.dataset.kind = kind;
        status.hidden = false;
      });
      if (placed.rings === "browser") phone.expect(to);
      $("phone-dial-to").value = "";
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    } finally {
      $("phone-dial").disabled = false;
    }
  });
  $("phone-decline").addEventListener("click", () => {
    if (session) session.terminate({status_code: 486, reason_phrase: "Busy Here"});
  });
  $("phone-hangup").addEventListener("click", () => { if (session) session.terminate(); });
  $("phone-hold").addEventListener("click", () => {
    if (!session) return;
    if (held) session.unhold(); else session.hold();
  });
  $("phone-mute").addEventListener("click", () => {
    if (!session) return;
    muted = !muted;
    if (muted) session.mute({audio: true}); else session.unmute({audio: true});
    setCall("connected", phone.caller);
  });
  for (const key of card.querySelectorAll("[data-key]")) {
    key.addEventListener("click", () => {
      if (session) session.sendDTMF(key.dataset.key, {transportType: "RFC2833", duration: 160});
    });
  }
  $("phone-transfer-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const target = $("phone-transfer-to").value.trim();
    const problem = $("phone-transfer-error");
    problem.hidden = true;
    if (!/^[0-9*#]{1,32}$/.test(target)) {
      problem.textContent = t("phone.transfer_bad");
      problem.hidden = false;
      return;
    }
    if (!session) return;
    // Blind: the box takes the caller to the number (within this extension's permission class);
    // once it says the transfer took, this phone leaves the call, as desk phones do.
    const transferred = session;
    transferred.refer(target, {eventHandlers: {
      accepted: () => { if (!transferred.isEnded()) transferred.terminate(); },
      failed: () => {
        problem.textContent = t("phone.transfer_failed");
        problem.hidden = false;
      },
    }});
  });

  async function turn(on) {
    const toggle = $("phone-toggle");
    toggle.disabled = true;
    setState(on ? "connecting" : "off");
    try {
      if (on) await checkMicrophone();
      account = await api("PUT", "/me/phone", {enabled: on});
      if (on) start(); else stop();
    } catch (err) {
      toggle.checked = false;
      if (err instanceof window.Callbox.ApiError) setState("failed", err.message);
      else setState("failed", micProblem(err));
    } finally {
      toggle.disabled = false;
    }
  }

  $("phone-toggle").addEventListener("change", (e) => turn(e.target.checked));
  window.addEventListener("pagehide", () => { if (ua) ua.stop(); });

  api("GET", "/me/phone").then(async (doc) => {
    account = doc;
    if (!doc.extension) { card.hidden = true; return; }
    card.hidden = false;
    $("phone-toggle").checked = doc.enabled;
    setCall(null);
    if (!doc.enabled) { setState("off"); return; }
    try {
      await checkMicrophone();
      start();
    } catch (err) {
      setState("failed", micProblem(err));
    }
  }, () => { card.hidden = true; });
})();
