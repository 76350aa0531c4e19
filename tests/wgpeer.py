"""A WireGuard peer the test runs itself: wireguard-go in a network namespace of the test's own,
joined to a box's namespace by a veth pair (documentation addresses only, nothing routed out).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path


def sh(*args: str, input: str | None = None, check: bool = True) -> str:
    r = subprocess.run(args, input=input, text=True, capture_output=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} failed: {r.stdout}{r.stderr}")
    return r.stdout


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def fetch_in(netns: str, url: str, timeout: float = 2) -> str | None:
    """GET `url` from inside `netns`; the body, or None when it did not answer."""
    code = ("import sys, urllib.request as u; o = u.build_opener(u.ProxyHandler({}));"
            f"print(o.open({url!r}, timeout={timeout}).read().decode())")
    r = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", code], text=True,
                       capture_output=True, timeout=timeout + 10)
    return r.stdout if r.returncode == 0 else None


class WgPeer:
    """A namespace `wgt<hex>` with a veth to the box's namespace and a wireguard-go interface."""

    def __init__(self, box_netns: str, tmp: Path, box_side: str = "203.0.113.1/24",
                 own_side: str = "203.0.113.2/24"):
        tag = secrets.token_hex(3)
        self.netns, self.ifname = f"wgt{tag}", f"wgt{tag}"
        self.box_netns = box_netns
        self.box_if, self.own_if = f"vb{tag}", f"vp{tag}"
        self.box_address = box_side.split("/")[0]
        self.address = own_side.split("/")[0]
        self.proc: subprocess.Popen | None = None
        self.private = sh("wg", "genkey").strip()
        self.public_key = sh("wg", "pubkey", input=self.private + "\n").strip()
        self.key_file = tmp / f"{tag}.key"
        self.key_file.write_text(self.private + "\n")
        self.key_file.chmod(0o600)
        sh("ip", "netns", "add", self.netns)
        try:
            sh("ip", "link", "add", self.own_if, "netns", self.netns, "type", "veth", "peer", "name", self.box_if,
               "netns", box_netns)
            sh("ip", "-n", box_netns, "addr", "add", box_side, "dev", self.box_if)
            sh("ip", "-n", box_netns, "link", "set", self.box_if, "up")
            sh("ip", "-n", self.netns, "addr", "add", own_side, "dev", self.own_if)
            sh("ip", "-n", self.netns, "link", "set", self.own_if, "up")
            sh("ip", "-n", self.netns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def _interface(self) -> None:
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.netns, "wireguard-go", "-f", self.ifname],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = Path("/var/run/wireguard", f"{self.ifname}.sock")
        wait_for(sock.exists, 10, "wireguard-go's control socket")

    def start(self, address: str, port: int = 51821) -> "WgPeer":
        """wireguard-go with our key, listening on `port`, tunnel address `address` (with prefix)."""
        self._interface()
        self.wg("set", self.ifname, "private-key", str(self.key_file), "listen-port", str(port))
        sh("ip", "-n", self.netns, "addr", "add", address, "dev", self.ifname)
        sh("ip", "-n", self.netns, "link", "set", self.ifname, "up")
        self.port = port
        return self

    def start_with(self, config: str, tmp: Path) -> "WgPeer":
        """Bring the interface up from a wg-quick file, as `wg-quick up` would: its Address on the
        interface, the rest (wg-quick's `strip`) to `wg setconf`, a route for each AllowedIPs."""
        entries = [(k.strip(), v.strip()) for k, sep, v in
                   (line.split("#", 1)[0].partition("=") for line in config.splitlines()) if sep]
        stripped = "\n".join(line for line in config.splitlines()
                             if line.split("=", 1)[0].strip() not in ("Address", "DNS", "MTU"))
        conf = tmp / f"{self.ifname}.conf"
        conf.write_text(stripped + "\n")
        conf.chmod(0o600)
        self._interface()
        self.wg("setconf", self.ifname, str(conf))
        for key, value in entries:
            if key == "Address":
                sh("ip", "-n", self.netns, "addr", "add", value, "dev", self.ifname)
        sh("ip", "-n", self.netns, "link", "set", self.ifname, "up")
        for key, value in entries:
            if key == "AllowedIPs":
                for net in value.split(","):
                    sh("ip", "-n", self.netns, "route", "replace", net.strip(), "dev", self.ifname)
        return self

    def wg(self, *args: str) -> str:
        return sh("ip", "netns", "exec", self.netns, "wg", *args)

    def add_peer(self, public_key: str, allowed: str, endpoint: str | None = None, keepalive: int = 0) -> None:
        args = ["set", self.ifname, "peer", public_key, "allowed-ips", allowed,
                "persistent-keepalive", str(keepalive or "off")]
        if endpoint:
            args += ["endpoint", endpoint]
        self.wg(*args)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        Path("/var/run/wireguard", f"{self.ifname}.sock").unlink(missing_ok=True)
        sh("ip", "-n", self.box_netns, "link", "del", self.box_if, check=False)
        sh("ip", "netns", "del", self.netns, check=False)
