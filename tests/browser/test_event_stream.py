"""Hundreds of dashboards at once: the live event stream under the box's gevent server.

Each stream must cost the supervisor a greenlet, not a thread, and every open
stream must get the box's health tick; streams that go away must end their
subscriptions.
"""

from __future__ import annotations

import selectors
import socket
import time

STREAMS = 400


def threads(box) -> int:
    return int(box.exec("sh", "-c", "ls /proc/1/task | wc -l").strip())


def open_streams(box, token: str, count: int) -> list[socket.socket]:
    host, port = box.url.removeprefix("http://").split(":")
    request = (f"GET /api/v1/events HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
               f"Accept: text/event-stream\r\n\r\n").encode()
    out = []
    for _ in range(count):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(request)
        out.append(s)
    return out


def wait_all_receive(streams: list[socket.socket], needle: bytes, timeout: float) -> float:
    """Seconds until every stream has received `needle`."""
    started = time.monotonic()
    pending = {s: b"" for s in streams}
    with selectors.DefaultSelector() as sel:
        for s in streams:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while pending:
            left = started + timeout - time.monotonic()
            assert left > 0, f"{len(pending)} of {len(streams)} streams got no {needle!r} in {timeout} s"
            for key, _ in sel.select(left):
                s = key.fileobj
                if s not in pending:
                    continue
                chunk = s.recv(65536)
                assert chunk, "a stream was closed by the box"
                pending[s] += chunk
                if needle in pending[s]:
                    del pending[s]
                    sel.unregister(s)
    return time.monotonic() - started


def test_hundreds_of_streams_get_the_health_tick(box):
    from tests.api import Api

    api = Api(box.url).sign_in("Stream-Test-Pass-31")
    before = threads(box)
    streams = open_streams(box, api.token, STREAMS)
    try:
        # The health tick runs every 3 s while anyone listens.
        elapsed = wait_all_receive(streams, b"event: health", timeout=15)
        print(f"{STREAMS} streams all had a health event after {elapsed:.2f} s")
        assert threads(box) <= before + 2, "streams must not cost a thread each"
        assert api.get("/health").status == 200  # the API stays responsive meanwhile
    finally:
        for s in streams:
            s.close()
    # Gone clients are noticed at the next write (a tick or a heartbeat).
    deadline = time.monotonic() + 20
    while True:
        open_files = int(box.exec("sh", "-c", "ls /proc/1/fd | wc -l").strip())
        if open_files < STREAMS // 4:
            break
        assert time.monotonic() < deadline, f"the box still holds {open_files} descriptors"
        time.sleep(0.5)
