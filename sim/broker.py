"""An MQTT broker for a run when none is given: Mosquitto if installed, else amqtt.

The broker listens on a free loopback port, lives in its own process and is stopped when the
run ends. Mosquitto is configured for a rehearsal rig: no persistence, a deep per-client
queue (a slow IOC must not lose QoS 1 messages), TCP_NODELAY (lockstep ticks are small
request/acknowledge exchanges: with Nagle's algorithm each waits on a 40 ms delayed ACK) and
its log on stderr (run as root it drops to the mosquitto user and cannot write into a
root-owned folder).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ioc.contract import BrokerAddress

BrokerKind = Literal["auto", "mosquitto", "amqtt"]
_SBIN = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next((p for p in _SBIN if Path(p).exists()), None)


def free_port() -> int:
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


def wait_for_port(host: str, port: int, timeout: float,
                  proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before "
                               f"listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f} s")


@dataclass
class RunningBroker:
    address: BrokerAddress
    kind: str
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    log_path: Path | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> RunningBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_broker(kind: BrokerKind = "auto", log_dir: Path | None = None,
                 port: int | None = None) -> RunningBroker:
    """Start a broker on 127.0.0.1 (a free port unless given) and wait until it listens."""
    mosquitto = find_mosquitto()
    if kind == "mosquitto" and not mosquitto:
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
    use_mosquitto = kind == "mosquitto" or (kind == "auto" and mosquitto is not None)
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
            "persistence false\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            "max_queued_messages 1000000\n"
            "max_inflight_messages 1000\n"
            "set_tcp_nodelay true\n")
        cmd = [mosquitto, "-c", str(conf)]
        label = "mosquitto"
    else:
        cmd = [sys.executable, "-m", "sim.embedded_broker", "--port", str(port)]
        label = "amqtt (embedded)"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    broker = RunningBroker(BrokerAddress("127.0.0.1", port), label, proc, workdir, log_path, tmp)
    try:
        wait_for_port("127.0.0.1", port, 20, proc)
    except (RuntimeError, TimeoutError) as err:
        broker.stop()
        tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
        raise RuntimeError(f"{label} broker did not start: {err}\n{tail}") from None
    return broker
