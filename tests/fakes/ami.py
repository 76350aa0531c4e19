"""A fake Asterisk Manager Interface server for unit tests.

A real TCP server on 127.0.0.1 (port 0) served by plain threads, so that code
using our AMI client can be tested without Asterisk. It speaks the framing that
Asterisk 22 uses (greeting, Login, ActionID on responses and list events, list
events closed by ``EventList: Complete``), records every action it receives and
answers with canned responses that tests register per action name.

Usage::

    with FakeAMIServer() as srv:
        srv.on("PJSIPShowEndpoints", lambda action: (
            {"Response": "Success", "EventList": "start"},
            [{"Event": "EndpointList", "ObjectName": "101"}]))
        client = AMIClient(srv.host, srv.port, srv.username, srv.secret)

A handler gets the action (a Message) and returns one of:

- ``None``: no answer now (answer later with ``srv.reply(action, ...)``, or never);
- response headers (a mapping or a list of pairs);
- ``(headers, events)``: the response, then each event of ``events`` and a
  closing ``<Event>Complete`` event with ``EventList: Complete`` and
  ``ListItems``. The server adds the action's ActionID to the response and the
  events, except to events wrapped in ``unsolicited(...)``, which are sent
  verbatim in their place in the sequence (to interleave unrelated events).
"""

import socket
import threading
import time

from appliance.ami.protocol import Message, Parser

BANNER = "Asterisk Call Manager/11.0.0"


class unsolicited:
    """Marks an event in a handler's event list as not part of the list."""

    def __init__(self, headers):
        self.headers = headers


def _pairs(headers):
    if hasattr(headers, "items"):
        return list(headers.items())
    return list(headers)


def _encode(pairs):
    return "".join(f"{k}: {v}\r\n" for k, v in pairs).encode() + b"\r\n"


class _Connection:
    def __init__(self, sock):
        self.sock = sock
        self.send_lock = threading.Lock()
        self.authenticated = False
        self.events = False

    def send(self, pairs):
        try:
            with self.send_lock:
                self.sock.sendall(_encode(pairs))
        except OSError:
            pass  # the client went away; its reader notices

    def drop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeAMIServer:
    def __init__(self, username="admin", secret="secret", banner=BANNER):
        self.username = username
        self.secret = secret
        self.banner = banner
        # While true every Login is answered like Asterisk does for a wrong
        # secret: Response: Error, then the connection is closed.
        self.reject_logins = False
        self._handlers = {}
        self._received = []  # (monotonic time, Message)
        self._origin = {}  # id(action) -> _Connection, for deferred replies
        self._cond = threading.Condition()
        self._conns = set()
        self._threads = []
        self._listener = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        # Polling accept() so stop() never depends on waking a blocked accept.
        self._listener.settimeout(0.1)
        self.host, self.port = self._listener.getsockname()
        self._spawn(self._accept_loop)
        return self

    def stop(self):
        self._stopping.set()
        self.drop_connections()
        for thread in list(self._threads):
            thread.join(5.0)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name="fake-ami")
        self._threads.append(thread)
        thread.start()

    # -- test controls -----------------------------------------------------

    def on(self, action_name, handler):
        self._handlers[action_name.lower()] = handler

    def actions(self, name=None):
        """Every action received so far (Login included), oldest first."""
        with self._cond:
            return [m for _, m in self._received
                    if name is None or (m.get("Action") or "").lower() == name.lower()]

    def action_times(self, name):
        with self._cond:
            return [t for t, m in self._received
                    if (m.get("Action") or "").lower() == name.lower()]

    def wait_for(self, name, count=1, timeout=5.0):
        """Wait until ``count`` actions called ``name`` have been received."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.actions(name)) >= count, timeout)

    def reply(self, action, headers, events=None):
        """Answer ``action`` now, as a handler's return value would."""
        with self._cond:
            conn = self._origin.get(id(action))
        self._answer(conn, action, (headers, events) if events is not None else headers)

    def push_event(self, headers):
        """Send an event to every logged-in client that asked for events."""
        with self._cond:
            conns = [c for c in self._conns if c.authenticated and c.events]
        for conn in conns:
            conn.send(_pairs(headers))
        return len(conns)

    def drop_connections(self):
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            conn.drop()

    @property
    def client_count(self):
        with self._cond:
            return sum(1 for c in self._conns if c.authenticated)

    # -- serving -----------------------------------------------------------

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            sock.settimeout(None)
            conn = _Connection(sock)
            with self._cond:
                self._conns.add(conn)
            self._spawn(self._serve, conn)

    def _serve(self, conn):
        parser = Parser()
        try:
            conn.sock.sendall(f"{self.banner}\r\n".encode())
            while not self._stopping.is_set():
                data = conn.sock.recv(65536)
                if not data:
                    break
                for action in parser.feed(data):
                    if not self._handle(conn, action):
                        return
        except OSError:
            pass
        finally:
            with self._cond:
                self._conns.discard(conn)
            conn.sock.close()

    def _handle(self, conn, action):
        with self._cond:
            self._received.append((time.monotonic(), action))
            self._origin[id(action)] = conn
            self._cond.notify_all()
        name = (action.get("Action") or "").lower()
        if name == "login":
            ok = (not self.reject_logins and action.get("Username") == self.username
                  and action.get("Secret") == self.secret)
            if not ok:
                self._answer(conn, action, {"Response": "Error",
                                            "Message": "Authentication failed"})
                return False
            conn.authenticated = True
            conn.events = (action.get("Events") or "on").lower() != "off"
            self._answer(conn, action, {"Response": "Success",
                                        "Message": "Authentication accepted"})
            return True
        if not conn.authenticated:
            self._answer(conn, action, {"Response": "Error", "Message": "Permission denied"})
            return True
        handler = self._handlers.get(name)
        if handler is not None:
            self._answer(conn, action, handler(action))
        elif name == "ping":
            self._answer(conn, action, {"Response": "Success", "Ping": "Pong",
                                        "Timestamp": f"{time.time():.6f}"})
        elif name == "logoff":
            self._answer(conn, action, {"Response": "Goodbye",
                                        "Message": "Thanks for all the fish."})
            return False
        else:
            self._answer(conn, action, {
                "Response": "Error",
                "Message": f"Invalid/unknown command: {action.get('Action')}. "
                           "Use Action: ListCommands to show available commands."})
        return True

    def _answer(self, conn, action, result):
        if result is None or conn is None:
            return
        events = None
        if isinstance(result, tuple):
            result, events = result
        action_id = action.get("ActionID")
        tag = [("ActionID", action_id)] if action_id is not None else []
        response = _pairs(result)
        conn.send(response[:1] + tag + response[1:])
        if events is None:
            return
        items = 0
        first_name = None
        for event in events:
            if isinstance(event, unsolicited):
                conn.send(_pairs(event.headers))
                continue
            pairs = _pairs(event)
            first_name = first_name or pairs[0][1]
            items += 1
            conn.send(pairs[:1] + tag + pairs[1:])
        complete = f"{first_name or action.get('Action')}Complete"
        conn.send([("Event", complete)] + tag
                  + [("EventList", "Complete"), ("ListItems", str(items))])


class RecordingAmi:
    """An AMIClient stand-in for unit tests of code that sends actions: it records them
    and answers Success (or raises what a test tells it to for an action name)."""

    def __init__(self):
        self.connected = True
        self.sent: list[tuple[str, dict]] = []
        self.fail: dict[str, str] = {}
        self.lists: dict[str, list[dict]] = {}  # events a list action answers with
        self._subscribers = []

    def action(self, name, fields=None, *, timeout=10.0, **kw):
        from appliance.ami import AMIError

        pairs = list(fields.items()) if hasattr(fields, "items") else list(fields or [])
        pairs += list(kw.items())
        self.sent.append((name, dict(pairs)))
        if name in self.fail:
            raise AMIError(self.fail[name])
        self._member_event(name, dict(pairs))
        return Message([("Response", "Success")])

    def _member_event(self, name: str, fields: dict) -> None:
        """Asterisk's answer to a queue member change: the event the live state follows."""
        if name == "QueueAdd":
            self.emit(Event="QueueMemberAdded", Queue=fields["Queue"], MemberName=fields.get("MemberName", ""),
                      Interface=fields["Interface"], Status="1", Paused="0", InCall="0", Membership="dynamic")
        elif name == "QueueRemove":
            # PJSIP/8001, or Local/8001@context for an agent with a browser phone.
            self.emit(Event="QueueMemberRemoved", Queue=fields["Queue"], Interface=fields["Interface"],
                      MemberName=fields["Interface"].split("/")[-1].split("@")[0])

    def action_list(self, name, fields=None, *, timeout=10.0, **kw):
        self.action(name, fields, timeout=timeout, **kw)
        return Message([("Response", "Success")]), [Message(list(ev.items())) for ev in self.lists.get(name, [])]

    def subscribe(self, callback):
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def emit(self, **headers):
        """Deliver an event to subscribers as Asterisk would."""
        ev = Message(list(headers.items()))
        for callback in list(self._subscribers):
            callback(ev)
        return ev

    def actions(self, name):
        return [fields for n, fields in self.sent if n == name]
