"""Where simulated time advances: the tick loop that drives the world and the IOC together.

Each tick of `tick_s` simulated seconds:

1. the SimPy world runs up to the tick time T (incidents evolve, crews travel and report);
2. every reading due in the window is produced and published by its grid's gateway, and
   every camera look of the window is rendered and analysed at its gateway (edge events);
3. a clock tick (watermark T plus each source's last msg_seq) is published;
4. `lockstep`: wait for the IOC's acknowledgement of T and for every task it announced,
   then hand those tasks to the people they are for (desk, grid supervisors, units) at time
   T. Deterministic.
   `free`: pace the loop to `speed` x wall time and hand over whatever tasks have come.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from edge.gateway import Gateway
from ioc.contract import Task
from sim.run.control import ControlChannel, Inbound
from sim.world import World
from sim.world.camera_feed import CameraFeed


class SyncMode(StrEnum):
    """`lockstep`: wait for the IOC every tick (deterministic); `free`: paced by a speed."""

    LOCKSTEP = "lockstep"
    FREE = "free"


@dataclass
class TickStatus:
    """Where a run is after a tick (for the progress display)."""

    seq: int
    total: int
    t: float  # simulated seconds since the start
    readings: int
    messages: int  # MQTT messages published and received by the simulator so far
    wall_s: float
    ioc_stats: dict[str, int] = field(default_factory=dict)


@dataclass
class DriveResult:
    """What the tick loop did over the whole run."""

    ticks: int
    readings: int
    tasks: int
    unroutable_tasks: int
    wall_s: float


class ClockDriver:
    """The tick loop: advances the world, publishes its readings and ticks, and hands the
    IOC's tasks and commands to the people and gateways they are for."""

    def __init__(
        self,
        world: World,
        gateways: dict[str, Gateway],
        control: ControlChannel,
        route: Callable[[Task], bool],
        sync: SyncMode = SyncMode.LOCKSTEP,
        speed: float = 60.0,
        ack_timeout_s: float = 60.0,
        message_count: Callable[[], int] = lambda: 0,
        before_tick: Callable[[float, float], None] = lambda t0, t1: None,
        cameras: CameraFeed | None = None,
    ):
        self.world = world
        self.gateways = gateways
        self.control = control
        self.route = route  # hands a task to its person; False if nobody takes it
        self.before_tick = before_tick  # e.g. an operator's commands through the IOC's API
        self.sync = sync
        self.speed = speed
        self.ack_timeout_s = ack_timeout_s
        self.message_count = message_count
        self.cameras = cameras

    def run(self, on_tick: Callable[[TickStatus], None] | None = None) -> DriveResult:
        sc = self.world.scenario
        total = math.ceil(sc.duration_s / sc.tick_s)
        wall0 = time.monotonic()
        readings = tasks = unroutable = 0
        prev = 0.0
        for gw_id, devices in sorted(self.world.device_infos().items()):
            self.gateways[gw_id].announce(devices, self.world.ms(0.0))
        for seq in range(1, total + 1):
            t = min(seq * sc.tick_s, sc.duration_s)
            self.before_tick(prev, t)
            self.world.advance(t)
            self._gateway_power(prev, t, back=True)  # before its readings of this window go
            for gw_id, batch in self.world.collect(prev, t).items():
                self.gateways[gw_id].add(batch)
                readings += len(batch)
            self._camera_looks(prev, t)
            for gw in self.gateways.values():
                gw.flush()
                gw.heartbeat(self.world.ms(t))
            self._gateway_power(prev, t, back=False)  # after what it read before the failure
            self.control.publish_tick(seq, self.world.ms(t), final=seq == total)
            if self.sync == SyncMode.LOCKSTEP:
                ack = self.control.wait_ack(seq, self.ack_timeout_s)
                incoming = self.control.inbox_through(
                    ack.published.get("ioc", 0), self.ack_timeout_s
                )
            else:
                lag = wall0 + t / self.speed - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
                incoming = self.control.inbox_available()
            for item in incoming:
                if self._deliver(item, t):
                    tasks += 1
                else:
                    unroutable += 1
            prev = t
            if on_tick:
                on_tick(
                    TickStatus(
                        seq,
                        total,
                        t,
                        readings,
                        self.message_count(),
                        time.monotonic() - wall0,
                        self.control.last_stats,
                    )
                )
        if self.sync == SyncMode.FREE:  # let the IOC catch up before results are read
            self.control.wait_ack(total, self.ack_timeout_s)
        return DriveResult(total, readings, tasks, unroutable, time.monotonic() - wall0)

    def _camera_looks(self, t0: float, t1: float) -> None:
        if self.cameras is None:
            return
        gateways = self.gateways
        for gw_id, look in self.cameras.looks(
            t0, t1, lambda gw, dev, view: gateways[gw].camera_busy(dev, view)
        ):
            gateways[gw_id].camera_look(look)

    def _deliver(self, item: Inbound, t: float) -> bool:
        """A task to its person, or a command to the devices (acknowledged by their gateway;
        a gateway without power never hears it)."""
        if isinstance(item, Task):
            return self.route(item)
        gw_id, command = item
        gateway = self.gateways.get(gw_id)
        if gateway is None or self.world.faults.gateway_down(gw_id.removeprefix("gw-"), t):
            return False
        gateway.ack(
            command,
            self.world.command(command.devices, command.action, dict(command.params)),
            self.world.ms(t),
        )
        return True

    def _gateway_power(self, t0: float, t1: float, back: bool) -> None:
        """Gateways getting power back (`back`) or losing it in this window."""
        for f in self.world.faults.faults:
            if f.kind != "gateway_offline" or f.grid is None:
                continue
            gateway = self.gateways.get(f"gw-{f.grid}")
            if gateway is None:
                continue
            if t0 <= f.start < t1 and t0 <= f.end < t1:
                continue  # a blip inside one window: its readings are lost, the link holds
            if back and t0 <= f.end < t1:
                gateway.power_back(self.world.ms(f.end))
            elif not back and t0 <= f.start < t1:
                gateway.power_loss()
