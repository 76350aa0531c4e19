"""A fax machine for tests, with no Asterisk in it: spandsp (Debian libspandsp2) through ctypes.

spandsp's fax_state does T.30 over G.711-style audio: `send(n)` gives the next n samples (16 bit,
8 kHz) to put on the line and `hear(samples)` takes what came back. tests/phones.py's FaxPort
feeds a pjsua2 call from it. The calling side sounds CNG first, as a real fax machine does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

T30_ERR_OK = 0
_PHASE_E = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_PHASE_D = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_lib = None


def library() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL(ctypes.util.find_library("spandsp") or "libspandsp.so.2")
        _lib.fax_init.restype = ctypes.c_void_p
        _lib.fax_init.argtypes = (ctypes.c_void_p, ctypes.c_int)
        _lib.fax_get_t30_state.restype = ctypes.c_void_p
        _lib.fax_get_t30_state.argtypes = (ctypes.c_void_p,)
        _lib.fax_tx.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
        _lib.fax_rx.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
        _lib.fax_set_transmit_on_idle.argtypes = (ctypes.c_void_p, ctypes.c_int)
        _lib.fax_free.argtypes = (ctypes.c_void_p,)
        _lib.t30_set_tx_file.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int)
        _lib.t30_set_rx_file.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
        _lib.t30_set_tx_ident.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
        _lib.t30_set_ecm_capability.argtypes = (ctypes.c_void_p, ctypes.c_int)
        _lib.t30_set_phase_e_handler.argtypes = (ctypes.c_void_p, _PHASE_E, ctypes.c_void_p)
        _lib.t30_set_phase_d_handler.argtypes = (ctypes.c_void_p, _PHASE_D, ctypes.c_void_p)
        _lib.t30_completion_code_to_str.restype = ctypes.c_char_p
        _lib.t30_completion_code_to_str.argtypes = (ctypes.c_int,)
    return _lib


class FaxMachine:
    """One end of a fax call: `sending` a TIFF-F as the calling party, or receiving into one."""

    def __init__(self, *, sending: Path | None = None, receiving: Path | None = None, ident: str = "",
                 calling: bool = True, ecm: bool = True):
        lib = library()
        self._lib = lib
        self.state = lib.fax_init(None, 1 if calling else 0)
        if not self.state:
            raise RuntimeError("spandsp: fax_init failed")
        lib.fax_set_transmit_on_idle(self.state, 1)  # always a full frame: silence between signals
        t30 = lib.fax_get_t30_state(self.state)
        if ident:
            lib.t30_set_tx_ident(t30, ident.encode())
        lib.t30_set_ecm_capability(t30, int(ecm))
        if sending is not None:
            lib.t30_set_tx_file(t30, str(sending).encode(), -1, -1)
        if receiving is not None:
            lib.t30_set_rx_file(t30, str(receiving).encode(), -1)
        self.result: int | None = None  # T.30 completion code once the session is over
        self.pages = 0  # pages confirmed by the other end (phase D after each)

        def phase_e(_s, _u, code):
            self.result = code

        def phase_d(_s, _u, _result):
            self.pages += 1
            return 0

        self._callbacks = (_PHASE_E(phase_e), _PHASE_D(phase_d))  # kept alive with this object
        lib.t30_set_phase_e_handler(t30, self._callbacks[0], None)
        lib.t30_set_phase_d_handler(t30, self._callbacks[1], None)

    @property
    def done(self) -> bool:
        return self.result is not None

    @property
    def ok(self) -> bool:
        return self.result == T30_ERR_OK

    def describe(self) -> str:
        if self.result is None:
            return "in progress"
        return self._lib.t30_completion_code_to_str(self.result).decode(errors="replace")

    def send(self, samples: int) -> bytes:
        buf = (ctypes.c_int16 * samples)()
        n = self._lib.fax_tx(self.state, buf, samples)
        return bytes(buf)[: 2 * max(n, 0)].ljust(2 * samples, b"\0")

    def hear(self, audio: bytes) -> None:
        n = len(audio) // 2
        if n:
            buf = (ctypes.c_int16 * n).from_buffer_copy(audio[: 2 * n])
            self._lib.fax_rx(self.state, buf, n)

    def close(self) -> None:
        if self.state:
            self._lib.fax_free(self.state)
            self.state = None
