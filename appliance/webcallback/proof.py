"""Proof of work instead of a third-party captcha: the page asks for a challenge, finds a nonce
whose SHA-256 over "challenge:nonce" starts with BITS zero bits (about 2**BITS hashes: a moment
for one visitor, a real cost for a script asking thousands of times), and sends both with its
request. Challenges are signed (no state until used), expire, and are taken once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

BITS = 14
LIFETIME = 300  # seconds a challenge may be used in


class Proofs:
    def __init__(self, key: bytes | None = None, clock=time.time):
        self.key = key or secrets.token_bytes(32)
        self.clock = clock
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def _mac(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self) -> dict:
        body = f"{int(self.clock()) + LIFETIME}.{secrets.token_hex(8)}"
        return {"challenge": f"{body}.{self._mac(body)}", "bits": BITS}

    def check(self, proof: str) -> str | None:
        """None when `proof` ("challenge:nonce") is good and fresh, else why not."""
        challenge, _, nonce = (proof or "").rpartition(":")
        parts = challenge.split(".")
        if len(parts) != 3 or not nonce or len(nonce) > 32:
            return "send the Callbox-Proof header: a challenge from GET /webcall/challenge and its nonce"
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._mac(body), parts[2]) or not parts[0].isdigit():
            return "the challenge is not one this box gave"
        now = self.clock()
        if int(parts[0]) < now:
            return "the challenge has expired; ask for a new one"
        if not leading_zero_bits(hashlib.sha256(proof.encode()).digest(), BITS):
            return "the nonce does not solve the challenge"
        with self._lock:
            for old in [c for c, until in self._used.items() if until < now]:
                del self._used[old]
            if challenge in self._used:
                return "the challenge was used already; ask for a new one"
            self._used[challenge] = int(parts[0])
        return None


def leading_zero_bits(digest: bytes, bits: int) -> bool:
    return int.from_bytes(digest, "big") >> (len(digest) * 8 - bits) == 0


def solve(challenge: str, bits: int = BITS) -> str:
    """The proof a page would find (for scripts and tests)."""
    n = 0
    while not leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest(), bits):
        n += 1
    return f"{challenge}:{n}"
