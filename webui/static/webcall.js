/* The website callback button: one script tag on the business's website,
     <script src="https://BOX/webcall.js" async></script>
   puts a small form where the tag is (or in the element named by data-target): the visitor
   types a number, picks a topic where there are some, and the box calls them back through a
   queue. No other code is loaded. The proof of work (SHA-256, written out below because
   crypto.subtle exists only on https pages) costs a visitor a moment and a script a lot. */
(function () {
  "use strict";
  const script = document.currentScript;
  const base = new URL(script.src).origin;
  const zh = (document.documentElement.lang || navigator.language || "").toLowerCase().indexOf("zh") === 0;
  const T = zh ? {
    title: "请给我回电", number: "您的电话号码", topic: "咨询内容", send: "回电给我", working: "请稍候…",
    queued: "我们会回电给您：您排在第 {position} 位，预计约 {minutes} 分钟内。",
    off: "暂时无法预约回电。", limited: "请求过于频繁，请稍后再试。",
    bad_number: "请输入可以回拨的本地或国内电话号码。", failed: "出错了：{error}"
  } : {
    title: "Call me back", number: "Your phone number", topic: "Topic", send: "Call me back", working: "One moment…",
    queued: "We will call you back: you are number {position} in line, in about {minutes} min.",
    off: "Callbacks are not available just now.", limited: "Too many requests; please try again later.",
    bad_number: "Please enter a local or national number we can call back.", failed: "Something went wrong: {error}"
  };
  const say = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));

  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  const ror = (x, n) => (x >>> n) | (x << (32 - n));

  /* The first 32 bits of SHA-256 of an ASCII string (all the proof looks at). */
  function sha256head(text) {
    const len = text.length;
    const words = new Int32Array(((len + 9 + 63) >> 6) << 4);
    for (let i = 0; i < len; i++) words[i >> 2] |= text.charCodeAt(i) << (24 - (i & 3) * 8);
    words[len >> 2] |= 0x80 << (24 - (len & 3) * 8);
    words[words.length - 1] = len * 8;
    const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    const w = new Int32Array(64);
    for (let i = 0; i < words.length; i += 16) {
      for (let j = 0; j < 64; j++) {
        if (j < 16) { w[j] = words[i + j]; continue; }
        const x = w[j - 15], y = w[j - 2];
        w[j] = w[j - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[j - 7] + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10));
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let j = 0; j < 64; j++) {
        const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[j] + w[j]) | 0;
        const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, k].forEach((v, n) => { h[n] = (h[n] + v) | 0; });
    }
    return h[0] >>> 0;
  }

  async function solve(challenge, bits) {
    for (let n = 0; ; n++) {
      const proof = challenge + ":" + n;
      if (sha256head(proof) >>> (32 - bits) === 0) return proof;
      if (n % 5000 === 4999) await new Promise((resolve) => setTimeout(resolve, 0));  // the page stays alive
    }
  }

  async function call(path, init) {
    const response = await fetch(base + "/api/v1" + path, Object.assign({mode: "cors", credentials: "omit"}, init));
    let doc = {};
    try { doc = await response.json(); } catch (e) { /* no body */ }
    return {status: response.status, doc};
  }

  function node(tag, props, children) {
    const n = document.createElement(tag);
    Object.assign(n, props || {});
    (children || []).forEach((c) => n.append(c));
    return n;
  }

  const number = node("input", {type: "tel", name: "number", required: true, autocomplete: "tel",
                                placeholder: T.number, className: "callbox-webcall-number"});
  number.setAttribute("aria-label", T.number);
  const topic = node("select", {name: "topic", hidden: true, className: "callbox-webcall-topic"});
  topic.setAttribute("aria-label", T.topic);
  const send = node("button", {type: "submit", textContent: T.send, className: "callbox-webcall-send"});
  const status = node("p", {className: "callbox-webcall-status", role: "status"});
  const form = node("form", {className: "callbox-webcall"},
                    [node("strong", {textContent: T.title}), " ", number, " ", topic, " ", send, status]);
  const target = script.dataset.target && document.getElementById(script.dataset.target);
  if (target) target.append(form); else script.after(form);

  call("/webcall").then(({doc}) => {
    if (!doc.enabled) { status.textContent = T.off; send.disabled = true; return; }
    (doc.topics || []).forEach((name) => topic.append(node("option", {value: name, textContent: name})));
    topic.hidden = !(doc.topics || []).length;
  }, () => { status.textContent = T.off; });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    send.disabled = true;
    status.textContent = T.working;
    try {
      const challenge = await call("/webcall/challenge");
      const proof = await solve(challenge.doc.challenge, challenge.doc.bits);
      const body = {number: number.value.replace(/[\s().-]/g, "")};
      if (!topic.hidden) body.topic = topic.value;
      const {status: code, doc} = await call("/webcall", {method: "POST", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", "Callbox-Proof": proof}});
      if (code === 202) {
        const minutes = Math.max(1, Math.ceil(doc.estimated_wait / 60));
        status.textContent = say(T.queued, {position: doc.position, minutes});
        form.dataset.state = "queued";
      } else {
        status.textContent = code === 429 ? T.limited : code === 404 ? T.off
          : doc.field === "number" ? T.bad_number : say(T.failed, {error: doc.error || code});
        form.dataset.state = "refused";
      }
    } catch (err) {
      status.textContent = say(T.failed, {error: err.message});
      form.dataset.state = "refused";
    } finally {
      send.disabled = false;
    }
  });
})();
