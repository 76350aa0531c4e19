"""Asterisk Manager Interface client: one reader thread, any number of callers.

We write our own AMI client because none of the Python ones fits a program that
runs both under plain threads and under gevent monkey-patching with a single
reader thread: panoramisk is asyncio-only, and pyst2 is unmaintained and spawns a
thread per event. This one only uses socket, threading, time, itertools and
logging, looked up at call time, so the same code is cooperative once gevent has
patched them and plainly threaded otherwise.
"""

import itertools
import logging
import socket
import threading
import time

from .protocol import Parser, encode_action


class AMIError(Exception):
    """An action failed.

    ``message`` is Asterisk's ``Message:`` text (or our own description),
    ``response`` the ``Response: Error`` Message if there was one, ``action``
    the action name if known.
    """

    def __init__(self, message, response=None, action=None):
        super().__init__(f"{action}: {message}" if action else message)
        self.message = message
        self.response = response
        self.action = action


class AMITimeout(AMIError):
    pass


class AMIConnectionError(AMIError):
    pass


class _LoginRejected(Exception):
    pass


class _Pending:
    __slots__ = ("done", "collect", "response", "events", "complete", "error")

    def __init__(self, collect):
        self.done = threading.Event()
        self.collect = collect
        self.response = None
        self.events = []
        self.complete = False
        self.error = None


def _is_error(message):
    return (message.get("Response") or "").lower() == "error"


class AMIClient:
    """Connects, logs in and keeps reconnecting from one reader thread.

    ``start()`` it once, ``stop()`` it at the end. Actions may be called from
    any thread but the reader (i.e. not from callbacks).
    """

    def __init__(self, host, port, username, secret, *, name="ami",
                 connect_timeout=5.0, backoff_initial=0.5, backoff_max=30.0,
                 logger=None):
        self.host = host
        self.port = port
        self.name = name
        self._username = username
        self._secret = secret
        self._connect_timeout = connect_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._log = logger or logging.getLogger(f"appliance.ami.{name}")
        self._ids = itertools.count(1)
        # _lock guards the connection state and the pending table; _send_lock
        # serialises writes, both so that concurrent actions never interleave
        # their bytes and because gevent refuses two greenlets writing one socket.
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._sock = None
        self._connected = False
        self._connected_event = threading.Event()
        self._pending = {}
        self._subscribers = []
        self._connect_callbacks = []
        self._stopping = threading.Event()
        self._thread = None
        self._reader_ident = None
        self._logged_in = False

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"{self.name}-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout=None):
        self._stopping.set()
        with self._lock:
            sock, thread = self._sock, self._thread
        if sock is not None:
            # shutdown(), unlike close(), wakes a recv() blocked in another
            # thread on Linux.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if thread is not None and thread.ident != threading.get_ident():
            thread.join(self._connect_timeout + 2.0 if timeout is None else timeout)
            if thread.is_alive():
                self._log.warning("%s: reader thread did not stop in time", self.name)
        self._fail_pending("client stopped")

    @property
    def connected(self):
        return self._connected

    def wait_connected(self, timeout=None):
        return self._connected_event.wait(timeout)

    # -- callbacks ---------------------------------------------------------

    def subscribe(self, callback):
        """Call ``callback(event)`` from the reader thread for each event.

        Callbacks must not block and must not call actions themselves: the
        reader thread is the one that would deliver the answer.
        """
        return self._add(callback, "_subscribers")

    def subscribe_connect(self, callback):
        """Call ``callback()`` from the reader thread after every login."""
        return self._add(callback, "_connect_callbacks")

    def _add(self, callback, attr):
        # Copy-on-write lists: the reader iterates without holding the lock.
        with self._lock:
            setattr(self, attr, getattr(self, attr) + [callback])

        def unsubscribe():
            with self._lock:
                setattr(self, attr, [c for c in getattr(self, attr) if c is not callback])
        return unsubscribe

    # -- actions -----------------------------------------------------------

    def action(self, name, fields=None, *, timeout=10.0, **kw):
        response, _ = self._request(name, fields, kw, timeout, collect=False)
        return response

    def action_list(self, name, fields=None, *, timeout=10.0, **kw):
        return self._request(name, fields, kw, timeout, collect=True)

    def command(self, cli_command, timeout=10.0):
        response = self.action("Command", [("Command", cli_command)], timeout=timeout)
        return "\n".join(response.get_all("Output"))

    def _next_id(self):
        return f"{self.name}-{next(self._ids)}"

    def _request(self, name, fields, kw, timeout, collect):
        if threading.get_ident() == self._reader_ident:
            raise RuntimeError("AMI actions cannot be called from an AMI callback; "
                               "hand the work to another thread")
        if fields is None:
            pairs = []
        elif hasattr(fields, "items"):
            pairs = list(fields.items())
        else:
            pairs = list(fields)
        pairs.extend(kw.items())
        action_id = self._next_id()
        data = encode_action(name, action_id, pairs)
        pending = _Pending(collect)
        with self._lock:
            if not self._connected:
                raise AMIConnectionError(f"{name}: not connected to AMI")
            sock = self._sock
            self._pending[action_id] = pending
        try:
            with self._send_lock:
                sock.sendall(data)
        except OSError as exc:
            self._forget(action_id)
            raise AMIConnectionError(f"{name}: send failed: {exc}") from exc
        if not pending.done.wait(timeout):
            self._forget(action_id)
            raise AMITimeout(f"{name}: no answer within {timeout}s")
        if pending.error is not None:
            raise pending.error
        response = pending.response
        if _is_error(response):
            raise AMIError(response.get("Message", ""), response, name)
        return response, pending.events

    def _forget(self, action_id):
        with self._lock:
            self._pending.pop(action_id, None)

    def _fail_pending(self, reason):
        with self._lock:
            pending, self._pending = self._pending, {}
        for p in pending.values():
            p.error = AMIConnectionError(reason)
            p.done.set()

    # -- reader thread -----------------------------------------------------

    def _run(self):
        self._reader_ident = threading.get_ident()
        try:
            self._reconnect_loop()
        finally:
            # Thread idents are reused; a later thread must not look like us.
            self._reader_ident = None

    def _reconnect_loop(self):
        delay = self._backoff_initial
        while not self._stopping.is_set():
            self._logged_in = False
            try:
                self._session()
            except _LoginRejected as exc:
                self._log.warning("%s: AMI login rejected: %s", self.name, exc)
            except (OSError, ValueError) as exc:
                if not self._stopping.is_set():
                    self._log.warning("%s: AMI connection to %s:%s lost: %s",
                                      self.name, self.host, self.port, exc)
            except Exception:
                self._log.exception("%s: AMI reader failed", self.name)
            finally:
                self._teardown()
            if self._logged_in:
                delay = self._backoff_initial
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self._backoff_max)

    def _session(self):
        sock = socket.create_connection((self.host, self.port), self._connect_timeout)
        with self._lock:
            self._sock = sock
        # Re-checked after publishing the socket so stop() either sees it (and
        # shuts it down) or we see the stop request.
        if self._stopping.is_set():
            return
        # Without keepalive a peer that vanished silently would block recv()
        # forever after login, when the socket has no timeout.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        parser = Parser()
        login_id = self._next_id()
        with self._send_lock:
            sock.sendall(encode_action("Login", login_id, [
                ("Username", self._username), ("Secret", self._secret), ("Events", "on")]))
        deadline = time.monotonic() + self._connect_timeout
        response, backlog = None, []
        while response is None:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            for message in parser.feed(self._recv(sock)):
                if response is None and message.kind == "response" \
                        and message.action_id == login_id:
                    response = message
                else:
                    backlog.append(message)
        if _is_error(response):
            raise _LoginRejected(response.get("Message", "error"))
        # Blocking from here on: sendall() from callers must not time out
        # half-way through an action, and stop() wakes recv() via shutdown().
        sock.settimeout(None)
        with self._lock:
            self._connected = True
        self._logged_in = True
        self._connected_event.set()
        self._log.info("%s: logged in to AMI at %s:%s (%s)",
                       self.name, self.host, self.port, parser.banner)
        for callback in self._connect_callbacks:
            try:
                callback()
            except Exception:
                self._log.exception("%s: AMI connect callback failed", self.name)
        for message in backlog:
            self._dispatch(message)
        while True:
            for message in parser.feed(self._recv(sock)):
                self._dispatch(message)

    def _recv(self, sock):
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        return data

    def _teardown(self):
        with self._lock:
            sock, self._sock = self._sock, None
            self._connected = False
        self._connected_event.clear()
        if sock is not None:
            sock.close()
        self._fail_pending("AMI connection lost")

    def _dispatch(self, message):
        if self._deliver_to_pending(message):
            return
        if message.kind != "event":
            self._log.debug("%s: unmatched AMI message %r", self.name, message)
            return
        for callback in self._subscribers:
            try:
                callback(message)
            except Exception:
                self._log.exception("%s: AMI event callback failed", self.name)

    def _deliver_to_pending(self, message):
        action_id = message.action_id
        if action_id is None:
            return False
        with self._lock:
            pending = self._pending.get(action_id)
        if pending is None:
            return False
        if message.kind == "response":
            pending.response = message
        elif message.kind == "event" and pending.collect:
            if (message.get("EventList") or "").lower() == "complete":
                pending.complete = True
            else:
                pending.events.append(message)
        else:
            # An event carrying a plain action's ActionID (OriginateResponse
            # after an async Originate) is an ordinary event for subscribers.
            return False
        # A list action ends at its Complete event, or at once when the
        # response announces no list: an Error, or a Success without
        # "EventList: start" (VoicemailUsersList with no mailboxes).
        if pending.response is not None and (
                not pending.collect or pending.complete or _is_error(pending.response)
                or (pending.response.get("EventList") or "").lower() != "start"):
            self._forget(action_id)
            pending.done.set()
        return True
