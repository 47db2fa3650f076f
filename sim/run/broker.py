"""An MQTT broker for a run when none is given: Mosquitto if installed, else amqtt.

The broker listens on a free loopback port, lives in its own process and is stopped when the
run ends. Mosquitto is configured for a rehearsal rig: persistence in its work folder (saved
when it stops, so a restart keeps the IOC's session and what is queued for it), a deep
per-client queue (a slow IOC must not lose QoS 1 messages), TCP_NODELAY (lockstep ticks are
small request/acknowledge exchanges: with Nagle's algorithm each waits on a 40 ms delayed
ACK), its log on stderr, and it keeps the current user (run as root it would otherwise drop to
the mosquitto user and could not write into its root-owned work folder).
The amqtt fallback keeps nothing across a restart.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ioc.contract import BrokerAddress


class BrokerKind(StrEnum):
    """Which broker to start: Mosquitto if installed (else amqtt), or one of them."""

    AUTO = "auto"
    MOSQUITTO = "mosquitto"
    AMQTT = "amqtt"


_SBIN = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    """The Mosquitto executable, or None when it is not installed."""
    return shutil.which("mosquitto") or next((p for p in _SBIN if Path(p).exists()), None)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Terminate a child process, killing it if it does not stop within `timeout` s."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_port(
    host: str, port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until something listens on host:port (RuntimeError if `proc` exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"process exited with code {proc.returncode} before listening on {host}:{port}"
            )
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f} s")


@dataclass
class RunningBroker:
    """A broker process started for a run: its address, kind, folder and log."""

    address: BrokerAddress
    kind: str
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    log_path: Path | None = None
    cmd: list[str] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def halt(self) -> None:
        """Stop the broker process (it saves its persistent state) but keep its folder."""
        stop_process(self.proc, timeout=10)

    def resume(self) -> None:
        """Start the broker again on the same port and configuration after `halt`."""
        if self.proc is not None and self.proc.poll() is None:
            return
        self.proc = _launch(self.cmd, self.log_path or Path(os.devnull), append=True)
        _wait_listening(self)

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> RunningBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_broker(
    kind: BrokerKind = BrokerKind.AUTO, log_dir: Path | None = None, port: int | None = None
) -> RunningBroker:
    """Start a broker on 127.0.0.1 (a free port unless given) and wait until it listens."""
    mosquitto = find_mosquitto()
    if kind == BrokerKind.MOSQUITTO and not mosquitto:
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
    use_mosquitto = kind == BrokerKind.MOSQUITTO or (
        kind == BrokerKind.AUTO and mosquitto is not None
    )
    port = port or free_port()
    tmp = tempfile.TemporaryDirectory(prefix="citysim-broker-")
    workdir = Path(tmp.name)
    log_path = (log_dir or workdir) / "broker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if use_mosquitto:
        assert mosquitto is not None
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {port} 127.0.0.1\n"
            "allow_anonymous true\n"
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            "max_queued_messages 1000000\n"
            "max_inflight_messages 1000\n"
            "set_tcp_nodelay true\n"
        )
        cmd = [mosquitto, "-c", str(conf)]
        label = "mosquitto"
    else:
        cmd = [sys.executable, "-m", "sim.run.embedded_broker", "--port", str(port)]
        label = "amqtt (embedded)"
    broker = RunningBroker(
        BrokerAddress("127.0.0.1", port), label, _launch(cmd, log_path), workdir, log_path, cmd, tmp
    )
    _wait_listening(broker)
    return broker


def _launch(cmd: list[str], log_path: Path, append: bool = False) -> subprocess.Popen[bytes]:
    with open(log_path, "ab" if append else "wb") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _wait_listening(broker: RunningBroker) -> None:
    try:
        wait_for_port(broker.address.host, broker.address.port, 20, broker.proc)
    except (RuntimeError, TimeoutError) as err:
        broker.stop()
        log = broker.log_path
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise RuntimeError(f"{broker.kind} broker did not start: {err}\n{tail}") from None
