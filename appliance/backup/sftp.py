"""An SFTP target for backups: a thin adapter over paramiko.

paramiko is the SSH library Debian (python3-paramiko) and Buildroot (python-paramiko) both
carry, and it speaks SFTP from a plain socket, so the box needs no ssh binary. This module
connects, checks the server's host key against the pinned one, signs in, and uploads,
lists and removes files; what to do with them (when, which to prune, when to pin) is the
schedule's decision. Every failure is a Failure naming the setting it is about and saying
what the server or the network answered, for the page to show at that field.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import secrets
import socket
import stat
from dataclasses import dataclass

TIMEOUT = 15.0
#: Written under this prefix and renamed when complete: the target never holds half a
#: backup under a backup's name (and a failed upload's leftover is recognisably ours).
PARTIAL_PREFIX = ".callbox-partial-"


class Failure(Exception):
    """The target refused or could not be reached; `field` is the setting it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    user: str
    directory: str  # "": the account's home folder
    password: str | None = None  # None: sign in with `key`
    key: object = None  # a paramiko PKey
    pinned: str = ""  # "SHA256:..." of the host key; "": trust on first use
    pinned_type: str = ""  # the pinned key's algorithm, asked for first


def fingerprint(key) -> str:
    """OpenSSH's form: SHA256 of the key blob, base64 without padding."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


class Session:
    """One signed-in SFTP session in the target's folder."""

    def __init__(self, transport, client, host_key):
        self.transport, self.client = transport, client
        self.fingerprint, self.key_type = fingerprint(host_key), host_key.get_name()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self.transport.close()

    def upload(self, make) -> tuple[str, int]:
        """Write the archive `make()` gives as (name, stream): complete under its name or not at
        all. The remote file is opened first, so a folder the box cannot write to costs no backup."""
        partial = PARTIAL_PREFIX + secrets.token_hex(6)
        size = 0
        try:
            with self.client.open(partial, "wb") as f:
                f.set_pipelined(True)  # flow-controlled by the channel: nothing piles up in memory
                name, stream = make()
                for piece in stream:
                    f.write(piece)
                    size += len(piece)
            name = self._free(name)
            self.client.posix_rename(partial, name)  # replaces nothing: the name is free
        except BaseException as exc:
            try:
                self.client.remove(partial)
            except Exception:  # noqa: BLE001 - the connection may be what failed
                pass
            if isinstance(exc, (OSError, EOFError)) or _is_ssh_error(exc):
                raise Failure("sftp_directory", f"the upload failed: {_say(exc)}") from None
            raise
        return name, size

    def _free(self, name: str) -> str:
        """`name`, or "<name>-N.cbk" when a backup already has it (two in one second)."""
        candidate, n = name, 1
        while self._exists(candidate):
            stem, dot, ext = name.rpartition(".")
            candidate, n = f"{stem}-{n}{dot}{ext}", n + 1
        return candidate

    def _exists(self, name: str) -> bool:
        try:
            self.client.stat(name)
            return True
        except FileNotFoundError:
            return False

    def files(self) -> list[tuple[str, float]]:
        """(name, modification time) of the plain files in the folder."""
        try:
            return [(a.filename, a.st_mtime or 0) for a in self.client.listdir_attr(".")
                    if a.st_mode is None or stat.S_ISREG(a.st_mode)]
        except (OSError, EOFError) as exc:
            raise Failure("sftp_directory", f"the folder cannot be listed: {_say(exc)}") from None

    def remove(self, name: str) -> None:
        try:
            self.client.remove(name)
        except (OSError, EOFError) as exc:
            raise Failure("sftp_directory", f"{name} cannot be removed: {_say(exc)}") from None


def connect(target: Target, timeout: float = TIMEOUT) -> Session:
    """Reach the server, check its host key, sign in and enter the folder."""
    import paramiko

    where = f"{target.host} port {target.port}"
    try:
        sock = socket.create_connection((target.host, target.port), timeout=timeout)
    except socket.gaierror:
        raise Failure("sftp_host", f"the host name {target.host} does not resolve") from None
    except ConnectionRefusedError:
        raise Failure("sftp_port", f"nothing answers on {where} (connection refused)") from None
    except (TimeoutError, socket.timeout):
        raise Failure("sftp_host", f"{where} does not answer (no reply in {timeout:.0f} s)") from None
    except OSError as exc:
        raise Failure("sftp_host", f"{where} cannot be reached: {exc.strerror or exc}") from None
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = transport.auth_timeout = timeout
        if target.pinned_type:
            options = transport.get_security_options()
            ours = list(options.key_types)
            if target.pinned_type in ours:
                options.key_types = [target.pinned_type] + [t for t in ours if t != target.pinned_type]
        try:
            transport.start_client(timeout=timeout)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise Failure("sftp_port", f"no SSH server answers on {where}: {_say(exc)}") from None
        host_key = transport.get_remote_server_key()
        seen = fingerprint(host_key)
        if target.pinned and seen != target.pinned:
            raise Failure("sftp_host_key", f"the server's host key has changed: {target.pinned} was pinned, "
                                           f"{where} showed {host_key.get_name()} {seen}. Refused; if the server "
                                           "really got a new key, clear the pinned key to trust the new one")
        _sign_in(transport, target)
        client = paramiko.SFTPClient.from_transport(transport)
        client.get_channel().settimeout(timeout * 4)
        if target.directory:
            try:
                if not stat.S_ISDIR(client.stat(target.directory).st_mode or 0):
                    raise Failure("sftp_directory", f"{target.directory} on the server is not a folder")
                client.chdir(target.directory)
            except OSError as exc:
                if getattr(exc, "errno", None) == errno.ENOENT:
                    raise Failure("sftp_directory", f"the folder {target.directory} does not exist on the server")\
                        from None
                raise Failure("sftp_directory", f"the folder {target.directory} cannot be opened: {_say(exc)}")\
                    from None
        return Session(transport, client, host_key)
    except BaseException:
        transport.close()
        raise


def _sign_in(transport, target: Target) -> None:
    import paramiko

    try:
        if target.password is not None:
            transport.auth_password(target.user, target.password)
        else:
            transport.auth_publickey(target.user, target.key)
    except paramiko.BadAuthenticationType as exc:
        how = "a password" if target.password is not None else "a key"
        raise Failure("sftp_auth", f"the server does not let {target.user} sign in with {how} "
                                   f"(it allows: {', '.join(exc.allowed_types) or 'nothing'})") from None
    except paramiko.AuthenticationException:
        if target.password is not None:
            raise Failure("sftp_password", f"the server refused the password for {target.user}") from None
        raise Failure("sftp_auth", f"the server refused the box's key for {target.user}: add the box's public key "
                                   "to that account's ~/.ssh/authorized_keys") from None
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise Failure("sftp_host", f"the server closed the connection while signing in: {_say(exc)}") from None


def _is_ssh_error(exc: BaseException) -> bool:
    try:
        import paramiko
    except ImportError:
        return False
    return isinstance(exc, paramiko.SSHException)


def _say(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]
