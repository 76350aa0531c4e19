"""An SFTP server that signs users in by password, for the unit tests: paramiko's own server side
over a folder, on loopback, in threads.

OpenSSH's sshd (tests/sftpserver.py, the integration test's server) checks passwords against the
host's accounts, which a test cannot have; this one knows one user and one password.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import paramiko
from paramiko import SFTPAttributes, SFTPHandle, SFTPServer, SFTPServerInterface
from paramiko.sftp import SFTP_FAILURE, SFTP_OK


class _Server(paramiko.ServerInterface):
    def __init__(self, user: str, password: str):
        self.user, self.password = user, password

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        ok = (username, password) == (self.user, self.password)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


def _folder(root: Path):
    class Folder(SFTPServerInterface):
        """The SFTP calls a backup makes, on files under `root` (paths relative to it)."""

        def _path(self, path: str) -> Path:
            return root / self.canonicalize(path).lstrip("/")

        def _errno(self, exc: OSError) -> int:
            return SFTPServer.convert_errno(exc.errno)

        def list_folder(self, path):
            try:
                return [SFTPAttributes.from_stat(p.stat(), p.name) for p in self._path(path).iterdir()]
            except OSError as exc:
                return self._errno(exc)

        def stat(self, path):
            try:
                return SFTPAttributes.from_stat(self._path(path).stat())
            except OSError as exc:
                return self._errno(exc)

        lstat = stat

        def open(self, path, flags, attr):
            try:
                fd = os.open(self._path(path), flags, 0o600)
            except OSError as exc:
                return self._errno(exc)
            handle = SFTPHandle(flags)
            handle.readfile = handle.writefile = os.fdopen(fd, "r+b" if flags & os.O_RDWR else
                                                          ("wb" if flags & os.O_WRONLY else "rb"))
            return handle

        def remove(self, path):
            try:
                self._path(path).unlink()
            except OSError as exc:
                return self._errno(exc)
            return SFTP_OK

        def posix_rename(self, oldpath, newpath):
            try:
                os.replace(self._path(oldpath), self._path(newpath))
            except OSError as exc:
                return self._errno(exc)
            return SFTP_OK

        rename = posix_rename

        def mkdir(self, path, attr):
            return SFTP_FAILURE

    return Folder


class PasswordSftpServer:
    def __init__(self, root: Path, user: str, password: str):
        self.root, self.user, self.password = root, user, password
        self.host_key = paramiko.Ed25519Key.from_private_key_file(_host_key_file(root.parent))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._transports: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            t = paramiko.Transport(conn)
            t.add_server_key(self.host_key)
            t.set_subsystem_handler("sftp", SFTPServer, _folder(self.root))
            t.start_server(server=_Server(self.user, self.password))
            self._transports.append(t)

    def close(self) -> None:
        self.sock.close()
        for t in self._transports:
            t.close()


def _host_key_file(folder: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder / "sftp_host_key"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    return str(path)
