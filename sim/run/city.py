"""The simulated city wired to the broker: a gateway per grid on its own MQTT link (with its
store-and-forward outbox and the scenario's local rules), the cameras at their gateways, the
control channel to the IOC, and the people, who announce the organisation before the first
tick."""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.gateway import Gateway
from edge.link import Link
from edge.local_rules import LocalRules
from edge.sources import SourceSequences
from edge.spool import Outbox
from ioc.contract import BrokerAddress, Topics
from sim.people import People
from sim.run.control import ControlChannel
from sim.run.options import RunError
from sim.scenario import Scenario
from sim.world import World
from sim.world.camera_feed import CameraFeed


@dataclass
class City:
    """Everything of the simulated city that talks over MQTT, with the links it uses."""

    world: World
    gateways: dict[str, Gateway]
    cameras: CameraFeed
    control: ControlChannel
    people: People
    links: list[Link]

    def messages(self) -> int:
        """MQTT messages the simulator has published and received so far."""
        return sum(lk.published + lk.received for lk in self.links)

    def shut_down(self) -> int:
        """At the end of the run: the gateways sign off and the control link closes. Returns
        the MQTT messages of the run."""
        end_ts = self.world.ms(self.world.scenario.duration_s)
        for gw in self.gateways.values():
            gw.close(end_ts)
        self.control.link.close()
        return self.messages()


def connect_city(
    world: World,
    broker: BrokerAddress,
    run_id: str,
    out: Path,
    catalogue: dict[str, Any],
    stack: ExitStack,
) -> City:
    """Connect the world's gateways, cameras, control channel and people to the broker (links
    and cameras are closed by `stack` on failure), and announce the organisation."""
    sequences = SourceSequences()
    links: list[Link] = []
    stack.callback(lambda: [lk.close() for lk in links])  # on failure; close is idempotent
    gateways = connect_gateways(world, broker, run_id, out / "spool", sequences, links)
    cameras = CameraFeed(world)
    stack.callback(cameras.close)
    for gw_id, setups in cameras.setups().items():
        for setup in setups:
            gateways[gw_id].add_camera(setup)
    # persistent: the IOC's acks and tasks wait in the broker across a broker restart
    control_link = Link(broker, f"citysim-{run_id}-control", persistent=True)
    control = ControlChannel(control_link, sequences, run_id)
    _connect(control_link)
    links.append(control_link)
    people = People(world.scenario, world, control, catalogue)
    people.announce()
    return City(world, gateways, cameras, control, people, links)


def connect_gateways(
    world: World,
    broker: BrokerAddress,
    run_id: str,
    spool: Path,
    sequences: SourceSequences,
    links: list[Link],
) -> dict[str, Gateway]:
    """A gateway per grid on its own link, with an outbox under `spool` (emptied first: each
    gateway's store-and-forward queue) and the scenario's local rules."""
    shutil.rmtree(spool, ignore_errors=True)
    gateways: dict[str, Gateway] = {}
    for gw_id in sorted(world.device_infos()):
        link = Link(
            broker,
            f"citysim-{run_id}-{gw_id}",
            will=(Topics.gateway_status(gw_id), Gateway.status_payload(gw_id, "offline")),
            outbox=Outbox(spool / f"{gw_id}.sqlite"),
        )
        _connect(link)
        links.append(link)
        gateways[gw_id] = Gateway(gw_id, link, sequences, local_rules=local_rules(world.scenario))
    return gateways


def local_rules(scenario: Scenario) -> LocalRules:
    """A gateway's local rules (边缘规则) from the scenario's `edge.local_rules`."""
    return LocalRules(scenario.edge.local_rules)


def _connect(link: Link) -> None:
    try:
        link.connect()
    except ConnectionError as err:
        raise RunError(str(err)) from None
