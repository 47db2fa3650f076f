"""Talking to the IOC from the simulator side: over its HTTP API only.

`start_embedded_ioc` runs `python -m ioc serve` as a child process, exactly as an operator
would, so an embedded run and an external one use the same code paths.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ioc.contract import BrokerAddress
from sim.run.broker import free_port, stop_process


class IocClient:
    """The IOC's HTTP API, as the simulator uses it."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def get(self, path: str, **params: Any) -> Any:
        r = self._http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        r = self._http.post(path, json=body)
        if r.status_code == 422:
            raise httpx.HTTPStatusError(
                f"{path}: {r.json().get('detail')}", request=r.request, response=r
            )
        r.raise_for_status()
        return r.json()

    def health(self) -> dict[str, Any]:
        return self.get("/health")

    def cases(self) -> list[dict[str, Any]]:
        return self.get("/cases")

    def kpis(self, by: str | None = None) -> dict[str, Any]:
        return self.get("/kpis", **({"by": by} if by else {}))["kpis"]

    def catalogue(self) -> dict[str, Any]:
        return self.get("/catalogue")

    def wait_ready(
        self, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
    ) -> dict[str, Any]:
        """Wait until the IOC answers and is subscribed to the broker."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the IOC exited with code {proc.returncode}")
            try:
                h = self.health()
                if h.get("mqtt_connected"):
                    return h
                last = "not yet connected to the broker"
            except httpx.HTTPError as err:
                last = str(err) or type(err).__name__
            time.sleep(0.1)
        raise TimeoutError(f"IOC at {self.base_url} not ready after {timeout:.0f} s: {last}")

    def close(self) -> None:
        self._http.close()


@dataclass
class EmbeddedIoc:
    """An IOC started as a child process for a run, with its client and log."""

    proc: subprocess.Popen[bytes]
    client: IocClient
    log_path: Path

    def stop(self) -> None:
        self.client.close()
        stop_process(self.proc, timeout=30)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def start_embedded_ioc(
    broker: BrokerAddress, data_dir: Path, config: Path, log_path: Path, client_id: str
) -> EmbeddedIoc:
    """Start `python -m ioc serve` on the simulated clock on a free port, and wait until it
    is ready (RuntimeError with its log if it does not start)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "ioc",
        "serve",
        "--broker",
        broker.url,
        "--data",
        str(data_dir),
        "--port",
        str(port),
        "--config",
        str(config),
        "--clock",
        "sim",
        "--client-id",
        client_id,
        "--log-level",
        "warning",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:  # one run, one log
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ioc = EmbeddedIoc(proc, IocClient(f"http://127.0.0.1:{port}"), log_path)
    try:
        ioc.client.wait_ready(60, proc)
    except (RuntimeError, TimeoutError) as err:
        ioc.stop()
        raise RuntimeError(f"embedded IOC did not start: {err}\n{ioc.log_tail()}") from None
    return ioc
