"""The box's gevent web server on a real socket: a silent client lets go of what it holds."""

from __future__ import annotations

from tests import gevented


def test_a_client_that_goes_silent_mid_body_is_let_go_and_the_next_request_is_served(tmp_path):
    # An upload whose client vanished without a reset reaching the box (as through NAT) used to
    # hold its read, and the update job it stood for, for ever.
    result = gevented.run("""
        import json, socket, time
        from appliance import web
        from appliance.settings import Address

        web.READ_TIMEOUT = 0.5
        reads = []

        def app(environ, start_response):
            if environ["REQUEST_METHOD"] == "POST":
                try:
                    environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
                    reads.append("whole")
                except OSError as exc:
                    reads.append(type(exc).__name__)
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]

        server = web._server(Address("127.0.0.1", 0), app)
        server.start()
        port = server.server_port

        silent = socket.create_connection(("127.0.0.1", port))
        silent.sendall(b"POST /system/update HTTP/1.1\\r\\nHost: box\\r\\nContent-Length: 100000\\r\\n\\r\\n" + b"x" * 10)
        started = time.monotonic()
        while not reads and time.monotonic() - started < 10:
            time.sleep(0.05)
        let_go = time.monotonic() - started

        idle = socket.create_connection(("127.0.0.1", port))
        idle.sendall(b"GET / HTTP/1.1\\r\\nHost: box\\r\\n\\r\\n")
        idle.settimeout(5)
        answer = idle.recv(4096)
        started = time.monotonic()
        tail = idle.recv(4096)  # the kept-alive connection, silent: closed by the box
        idle_closed = time.monotonic() - started

        print(json.dumps({"reads": reads, "let_go": let_go, "answer": answer.decode(errors="replace"),
                          "tail": tail.decode(errors="replace"), "idle_closed": idle_closed}))
    """, tmp_path)
    assert result["reads"] == ["TimeoutError"], result
    assert 0.4 < result["let_go"] < 5, result
    assert result["answer"].startswith("HTTP/1.1 200") and result["answer"].endswith("ok"), result
    assert result["tail"] == "" and result["idle_closed"] < 4, result
