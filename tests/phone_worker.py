"""One process of a phone farm (tests/phone_farm.py): a few pjsua2 phones.

The pjsua2 build holds 4 calls, 8 SIP transports and 8 accounts per process, so a test that
needs more phones in calls at once runs them in several of these. Commands come as JSON lines on stdin, one JSON line
answers each on stdout; SIP and media run between commands (the phones are tests/phones.py's).
pjsua's own log goes to stderr.
"""

from __future__ import annotations

import json
import os
import select
import sys
from pathlib import Path


def main() -> int:
    bind_ip, workdir = sys.argv[1], Path(sys.argv[2])
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the library prints to fd 1: keep it off the answers
    from tests.phones import SipStack

    stack = SipStack(bind_ip, workdir)
    phones = {}
    calls: dict[str, list] = {}  # a phone's calls in the order the farm learnt of them

    def status() -> dict:
        return {n: {"reg": p.reg_code,
                    "calls": [{"state": c.state, "media": c.media_active, "status": c.last_status}
                              for c in calls[n]],
                    "ringing": len(p.incoming) - sum(1 for c in calls[n] if c in p.incoming)}
                for n, p in phones.items()}

    def call_of(cmd):
        return calls[cmd["phone"]][cmd["call"]]

    def handle(number, c) -> dict:
        calls[number].append(c)
        return {"call": len(calls[number]) - 1, "recording": str(c.recording)}

    while True:
        stack.ep.libHandleEvents(10)
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        if not ready:
            continue
        line = sys.stdin.readline()
        if not line:
            break
        cmd = json.loads(line)
        op = cmd["op"]
        answer: dict = {"ok": True}
        try:
            if op == "add":
                phones[cmd["number"]] = stack.phone(cmd["number"], cmd["secret"], cmd["server"]).register(wait=False)
                calls[cmd["number"]] = []
            elif op == "call":
                answer = handle(cmd["phone"], phones[cmd["phone"]].call(cmd["dial"]))
            elif op == "answer":
                c = phones[cmd["phone"]].take_incoming()
                if c is None:
                    answer = {"ok": False, "error": "no call is ringing"}
                else:
                    c.answer_call()
                    answer = handle(cmd["phone"], c)
            elif op == "dtmf":
                call_of(cmd).send_dtmf(cmd["digits"])
            elif op == "play":
                call_of(cmd).play(Path(cmd["wav"]), loop=cmd.get("loop", False))
            elif op == "hangup":
                call_of(cmd).hangup_call()
            elif op == "status":
                answer = {"phones": status()}
            elif op == "quit":
                break
        except Exception as exc:  # noqa: BLE001 - the test that asked gets the reason
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer) + "\n")
    stack.close()
    out.write(json.dumps({"ok": True}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
