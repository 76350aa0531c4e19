"""Real SIP phones for tests: pjsua2 user agents with RTP, RFC 2833 DTMF and audio files.

One pjsua2 library per process (`endpoint()`), shared by each test module's `SipStack`;
each `Phone` has its own UDP transport as a desk phone would. SIP work runs
only when a test waits (`stack.wait`), in the test's own thread, so the
callbacks never race the test. Media runs in pjsip's clock thread and never
calls back into Python: received audio goes to a WAV recorder the test reads
as it grows (tests/audio.py), and audio to send comes from a WAV player.
"""

from __future__ import annotations

import atexit
import threading
import time
from pathlib import Path
from typing import Callable

import pjsua2 as pj

from .audio import RATE, Listener


_ENDPOINT: pj.Endpoint | None = None


def endpoint() -> pj.Endpoint:
    """pjsua2 allows one library per process: every stack shares it, and it is
    destroyed once, when the test process ends."""
    global _ENDPOINT
    if _ENDPOINT is None:
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0  # SIP is processed only inside wait()
        cfg.uaConfig.mainThreadOnly = False
        # pjsua's default is 4 calls at once. A module's calls whose box is already gone linger
        # until their BYE times out (32 s), and the next module's first calls come before that.
        cfg.uaConfig.maxCalls = 32
        cfg.uaConfig.userAgent = "callbox-test-phone"
        cfg.logConfig.level = 2
        cfg.logConfig.consoleLevel = 2
        cfg.medConfig.clockRate = RATE
        cfg.medConfig.sndClockRate = RATE
        cfg.medConfig.noVad = True  # send RTP all the time, as desk phones do
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        ep.audDevManager().setNullDev()
        ep.libStart()
        _ENDPOINT = ep
        atexit.register(_destroy)
    return _ENDPOINT


def _destroy() -> None:
    # Objects a test's traceback still holds must not run their C++
    # destructors after this point.
    for obj in _ALL:
        obj.thisown = False
    _ENDPOINT.libDestroy()


_ALL: list = []


class SipStack:
    """The phones of one test module, bound to one address (the host's end of a box's veth)."""

    def __init__(self, bind_ip: str, workdir: Path):
        self.bind_ip = bind_ip
        self.workdir = workdir
        self.ep = endpoint()
        self.phones: list[Phone] = []
        self.calls: list[Call] = []
        # pjsua has room for 8 transports in the whole process, and one not closed is lost to
        # every later module.
        self.spare_transports: list[int] = []
        self.reusable: list[int] = []  # spare UDP sockets of phones given back: the next phone takes one

    def transport(self, kind: str = "udp") -> int:
        """A SIP socket of its own: udp, tcp or tls (a TLS client that takes the box's certificate
        unchecked, as a desk phone set up by hand does)."""
        if kind == "udp" and self.reusable:
            t = self.reusable.pop()
            self.spare_transports.remove(t)
            return t
        tc = pj.TransportConfig()
        tc.boundAddress = self.bind_ip
        tc.port = 0
        types = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP, "tls": pj.PJSIP_TRANSPORT_TLS}
        return self.ep.transportCreate(types[kind], tc)

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str = "condition", step_ms: int = 20):
        deadline = time.monotonic() + timeout
        while True:
            self.ep.libHandleEvents(step_ms)
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def meanwhile(self, work: Callable[[], object], timeout: float, what: str):
        """`work()` in a thread of its own while the phones go on answering (the box's qualify
        drops a contact that stays silent), and its result; its exception raised here."""
        out: dict = {}

        def run() -> None:
            try:
                out["value"] = work()
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                out["error"] = exc

        thread = threading.Thread(target=run, name="meanwhile", daemon=True)
        thread.start()
        self.wait(lambda: not thread.is_alive(), timeout, what)
        if "error" in out:
            raise out["error"]
        return out.get("value")

    def phone(self, number: str, secret: str, server: str, transport: str = "udp", srtp: str = "off") -> "Phone":
        """`transport`: udp, tcp or tls (`server` then names the box's TLS port); `srtp`: off,
        optional (offered, plain RTP taken) or required (no call without it)."""
        p = Phone(self, number, secret, server, transport, srtp)
        self.phones.append(p)
        return p

    def provider(self, ip: str, port: int, user: str = "provider", same_as: "Phone | None" = None) -> "Phone":
        """A SIP provider for the box's trunk: it does not register, it takes the box's calls on
        its own address (one the test added) and places calls to the box's DIDs, from `user`
        (a caller's number). `same_as`: another caller on that provider's socket."""
        p = Phone(self, user, "unused", "")
        self.phones.append(p)
        if same_as is not None:
            self.ep.transportClose(p.transport_id)
            p.transport_id = same_as.transport_id
        else:
            tc = pj.TransportConfig()
            tc.boundAddress = ip
            tc.port = port
            # The previous test module's provider may have had this very address (boxes reuse
            # network indices) and its socket lives until its last transactions time out.
            deadline = time.monotonic() + 40
            while True:
                try:
                    transport = self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tc)
                    break
                except pj.Error:
                    if time.monotonic() > deadline:
                        raise
                    self.ep.libHandleEvents(100)
            # pjsua_acc_add asserts that the first transport is there: slot 0 is closed with
            # the stack's other transports, after the accounts are gone.
            if p.transport_id != 0:
                self.ep.transportClose(p.transport_id)
            else:
                self.spare_transports.append(p.transport_id)
            p.transport_id = transport
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:{user}@{ip}:{port}"
        cfg.sipConfig.transportId = p.transport_id
        cfg.mediaConfig.transportConfig.boundAddress = ip
        p.create(cfg)
        p.created = True
        return p

    def discard(self, phone: "Phone") -> None:
        """Unregister one phone and give its SIP socket back: a module's tests share 8 transports."""
        phone.close()
        for _ in range(20):
            self.ep.libHandleEvents(10)
        self.phones.remove(phone)
        _ALL.append(phone)
        if phone.transport_id == 0:  # pjsua_acc_add needs slot 0 while accounts live
            self.spare_transports.append(phone.transport_id)
            if not phone.uri_params:  # UDP: the next phone's socket, rather than one more of 8
                self.reusable.append(phone.transport_id)
        else:
            self.ep.transportClose(phone.transport_id)

    def close(self) -> None:
        """Hang up and unregister this stack's phones; the library lives on for the next."""
        for p in self.phones:
            p.close()
        for _ in range(20):
            self.ep.libHandleEvents(10)
        for t in {p.transport_id for p in self.phones} | set(self.spare_transports):
            try:
                self.ep.transportClose(t)
            except pj.Error:
                pass
        _ALL.extend(self.calls + self.phones)
        self.calls.clear()
        self.phones.clear()
        self.spare_transports.clear()
        self.reusable.clear()


class Phone(pj.Account):
    def __init__(self, stack: SipStack, number: str, secret: str, server: str, transport: str = "udp",
                 srtp: str = "off"):
        super().__init__()
        self.srtp = srtp
        # Requests name the transport: the box is reached over it, and tells it back in its Contact.
        self.uri_params = "" if transport == "udp" else f";transport={transport}"
        self.stack = stack
        self.number = number
        self.secret = secret
        self.server = server
        self.reg_code: int | None = None
        self.reg_events: list[int] = []
        self.bound = False  # the box holds this phone's binding (its last REGISTER was taken)
        self.calls: list[Call] = []
        self.incoming: list[Call] = []
        self._taken = 0
        self.transport_id = stack.transport(transport)
        self.created = False
        self.auto_answer = False  # True: answer calls whose INVITE asks for it

    def register(self, wait: bool = True, timeout: float = 5.0) -> "Phone":
        self.create(self.account_config())
        self.created = True
        if wait:
            self.wait_registered(timeout)
        return self

    def account_config(self) -> pj.AccountConfig:
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:{self.number}@{self.server}"
        cfg.regConfig.registrarUri = f"sip:{self.server}{self.uri_params}"
        cfg.regConfig.timeoutSec = 300
        cfg.regConfig.retryIntervalSec = 5
        cfg.sipConfig.transportId = self.transport_id
        cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", self.number, 0, self.secret))
        cfg.mediaConfig.transportConfig.boundAddress = self.stack.bind_ip
        cfg.natConfig.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
        cfg.natConfig.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
        cfg.mediaConfig.srtpUse = {"off": pj.PJMEDIA_SRTP_DISABLED, "optional": pj.PJMEDIA_SRTP_OPTIONAL,
                                   "required": pj.PJMEDIA_SRTP_MANDATORY}[self.srtp]
        cfg.mediaConfig.srtpSecureSignaling = 0  # SDES over sip: with ;transport=tls, as desk phones do
        return cfg

    def reregister(self) -> None:
        self.reg_code = None
        self.setRegistration(True)

    def wait_registered(self, timeout: float = 5.0) -> None:
        self.stack.wait(lambda: self.reg_code is not None, timeout, f"{self.number} to register")
        assert self.reg_code == 200, f"{self.number} registration answered {self.reg_code}"

    def onRegState(self, prm):
        self.reg_code = prm.code
        self.reg_events.append(prm.code)
        self.bound = prm.code // 100 == 2 and prm.expiration > 0

    def onIncomingCall(self, prm):
        call = Call(self, prm.callId)
        # Noted now: a call cancelled a moment later can no longer be asked.
        call.remote_uri = call.getInfo().remoteUri
        call.arrived = time.time()
        call.invite = prm.rdata.wholeMsg
        self.incoming.append(call)
        answer = pj.CallOpParam()
        # A phone set to honour auto-answer requests (as desk phones can be) answers at once.
        answer.statusCode = 200 if self.auto_answer and call.asks_auto_answer() else 180
        call.answer(answer)

    def call(self, number: str) -> "Call":
        return self.call_uri(f"sip:{number}@{self.server}{self.uri_params}")

    def call_uri(self, uri: str) -> "Call":
        call = Call(self)
        self.calls.append(call)
        call.makeCall(uri, pj.CallOpParam(True))
        return call

    def take_incoming(self) -> "Call | None":
        """The next call that rang this phone and was not taken before, if any."""
        if self._taken < len(self.incoming):
            self._taken += 1
            return self.incoming[self._taken - 1]
        return None

    def record_prompt(self, code: str, wav: Path) -> None:
        """Dial a prompt's recording code (*77N), speak `wav` after the beep and end with #."""
        call = self.call(code)
        call.wait_confirmed()
        self.stack.wait(lambda: call.listener.heard_tone(700, min_ms=200), 10, "the beep that starts the recording")
        call.play(wav)
        self.stack.wait(call.played, 10, "the prompt to be spoken")
        call.send_dtmf("#")
        call.wait_disconnected(timeout=15)

    def wait_incoming(self, timeout: float = 5.0) -> "Call":
        """The next call to ring this phone (one not taken before)."""
        self.stack.wait(lambda: len(self.incoming) > self._taken, timeout, f"a call to ring {self.number}")
        return self.take_incoming()

    def close(self) -> None:
        for call in self.calls + self.incoming:
            call.stop()
        if self.created:
            try:
                # The box keeps an extension's one binding while it answers and refuses a second
                # (a later phone for the same number): give it up, as a phone switched off does.
                if self.bound:
                    self.setRegistration(False)
                    self.stack.wait(lambda: not self.bound, 3, f"{self.number} to unregister")
            except (pj.Error, AssertionError):
                pass
            try:
                self.shutdown()
            except pj.Error:
                pass
            self.created = False  # closed once: pjsua aborts on a deleted account's use


class FaxPort(pj.AudioMediaPort):
    """A media port of pjsua's conference bridge whose audio is a fax machine's.

    The one exception to media never calling back into Python: pjsua's clock thread asks it for
    each 20 ms frame and hands it each frame heard. It touches only its fax machine, which
    nothing else uses until the call is over."""

    def __init__(self, machine):
        super().__init__()
        _ALL.append(self)
        self.machine = machine
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = RATE
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = 20000
        self.samples = RATE // 50
        self.createPort(f"fax{id(self)}", fmt)

    def onFrameRequested(self, frame):
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(self.machine.send(self.samples))
        frame.size = 2 * self.samples

    def onFrameReceived(self, frame):
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.machine.hear(bytes(frame.buf)[: frame.size])


class Call(pj.Call):
    def __init__(self, phone: Phone, call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(phone, call_id)
        phone.stack.calls.append(self)
        self.phone = phone
        self.state: int | None = None
        self.last_status: int | None = None
        self.media_active = False
        self.digits: list[str] = []
        n = len(phone.calls) + len(phone.incoming)
        self.recording = phone.stack.workdir / f"rx-{phone.number}-{id(self)}-{n}.wav"
        self.recorder: pj.AudioMediaRecorder | None = None
        self.listener = Listener(self.recording)
        self.player: pj.AudioMediaPlayer | None = None
        self.fax_port: FaxPort | None = None
        self.player_bytes = 0
        self.player_started = 0.0
        self.remote_uri = ""
        self.arrived: float | None = None  # wall clock when an incoming call reached the phone
        self.invite = ""  # an incoming call's INVITE as it arrived
        self.state_at: dict[int, float] = {}  # wall clock when the call first reached each state

    def headers(self, name: str) -> list[str]:
        """The values of an incoming INVITE's header `name` (in the order they came)."""
        head = self.invite.split("\r\n\r\n", 1)[0]
        return [line.split(":", 1)[1].strip() for line in head.split("\r\n")[1:]
                if ":" in line and line.split(":", 1)[0].strip().lower() == name.lower()]

    def asks_auto_answer(self) -> bool:
        """Whether the INVITE asks the phone to answer by itself, in any of the forms desk phones
        take: Call-Info answer-after=0, or an auto-answer Alert-Info."""
        return (any("answer-after=0" in v.replace(" ", "") for v in self.headers("Call-Info"))
                or any("info=alert-autoanswer" in v or "Auto Answer" in v or "Ring Answer" in v
                       for v in self.headers("Alert-Info")))

    # -- callbacks (run inside stack.wait) -----------------------------------

    def onCallState(self, prm):
        info = self.getInfo()
        self.state = info.state
        self.last_status = info.lastStatusCode
        self.state_at.setdefault(self.state, time.time())
        if self.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            # pjsua has room for 32 recorders and players in all: give them back.
            self.recorder = None
            self.player = None

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for i, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = self.getAudioMedia(i)
                if self.recorder is None:
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(str(self.recording))
                audio.startTransmit(self.recorder)
                self.media_active = True

    def onDtmfDigit(self, prm):
        self.digits.append(prm.digit)

    def onCallTransferStatus(self, prm):
        # As desk phones do: once the box says the transfer took, this leg is over.
        if prm.finalNotify:
            prm.cont = False
            if prm.statusCode // 100 == 2:
                self.hangup(pj.CallOpParam(True))

    # -- actions ---------------------------------------------------------------

    @property
    def wait(self):
        return self.phone.stack.wait

    def answer_call(self) -> None:
        op = pj.CallOpParam()
        op.statusCode = 200
        self.answer(op)

    def wait_confirmed(self, timeout: float = 10.0) -> None:
        self.wait(lambda: self.state == pj.PJSIP_INV_STATE_CONFIRMED and self.media_active, timeout,
                  f"call of {self.phone.number} to be answered")

    def wait_disconnected(self, timeout: float = 10.0) -> None:
        self.wait(lambda: self.state == pj.PJSIP_INV_STATE_DISCONNECTED, timeout,
                  f"call of {self.phone.number} to end")

    @property
    def connected(self) -> bool:
        return self.state == pj.PJSIP_INV_STATE_CONFIRMED

    def send_dtmf(self, digits: str) -> None:
        self.dialDtmf(digits)  # RFC 2833 telephone-events, the pjsua default

    def through_menus(self, steps: list[tuple[float, str]], timeout: float = 10.0) -> None:
        """Walk voice menus told apart by their greetings' tones [(hz, key), ...]:
        in each, press its key once its tone is heard (tones heard before do not count)."""
        since = 0
        for hz, key in steps:
            self.phone.stack.wait(lambda: self.listener.heard_tone(hz, min_ms=300, since=since), timeout,
                                  f"the menu greeting of {hz} Hz")
            self.send_dtmf(key)
            since = self.listener.mark()

    def play(self, wav: Path, loop: bool = False) -> None:
        """Send a WAV file into the call, once (or over and over)."""
        self.player = pj.AudioMediaPlayer()
        self.player.createPlayer(str(wav), 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        self.player_bytes = wav.stat().st_size - 44
        self.player.startTransmit(self.getAudioMedia(-1))
        self.player_started = time.monotonic()

    def played(self) -> bool:
        """The file has gone out once. The player rewinds at its end, so a poll that comes late
        would miss the last position: the time a real-time player needs counts as well."""
        if self.player is None:
            return False
        seconds = self.player_bytes / 2 / RATE
        return (self.player.getPos() * 2 >= self.player_bytes - 2 * RATE // 50
                or time.monotonic() - self.player_started >= seconds + 0.1)

    def fax(self, machine) -> "FaxPort":
        """Put a fax machine (tests/faxmachine.py) on the line in place of a voice: it hears the
        call's audio and its tones go out."""
        port = FaxPort(machine)
        audio = self.getAudioMedia(-1)
        port.startTransmit(audio)
        audio.startTransmit(port)
        self.fax_port = port
        return port

    def rx_packets(self) -> int:
        return self.getStreamStat(0).rtcp.rxStat.pkt

    def hangup_call(self) -> None:
        if self.state not in (None, pj.PJSIP_INV_STATE_DISCONNECTED):
            self.hangup(pj.CallOpParam(True))

    def stop(self) -> None:
        try:
            self.hangup_call()
        except pj.Error:
            pass
        self.player = None
        self.recorder = None
