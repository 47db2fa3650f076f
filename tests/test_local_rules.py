"""Gateway local rules (边缘规则): debounce and hysteresis at the edge, published as edge events
over real MQTT, filed by the IOC's event rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from ioc_harness import GW, LAT, LON, MIN, T0, Harness

from edge.gateway import Gateway
from edge.link import Link
from edge.local_rules import LocalRule, LocalRules
from edge.sources import SourceSequences
from ioc.contract import DeviceAnnouncement, DeviceInfo, EdgeEvent, Topics, decode

RULE = LocalRule(
    "water_level_high",
    "water_cm",
    above=15,
    clear_below=8,
    kinds=frozenset({"water_level"}),
    raise_after=3,
    clear_after=2,
)


def reading(i: int, value: float, device: str = "WL-1") -> dict:
    return {"device_id": device, "seq": i + 1, "ts": T0 + i * MIN, "values": {"water_cm": value}}


def test_debounce_and_hysteresis() -> None:
    rules = LocalRules([RULE])
    # a spike, a run of 3 above, hovering between the thresholds, 2 below, again
    series = [20, 3, 16, 17, 18, 12, 7, 10, 7, 6, 30, 30, 30]
    got = [
        (i, ev.state, ev.value, ev.event_id)
        for i, v in enumerate(series)
        for ev in rules.update("water_level", reading(i, v))
    ]
    assert got == [
        (4, "raised", 18.0, "water_level_high-WL-1-1"),
        (9, "cleared", 6.0, "water_level_high-WL-1-1"),
        (12, "raised", 30.0, "water_level_high-WL-1-2"),
    ]
    # other kinds and readings without the metric are ignored
    assert rules.update("smart_pole", reading(0, 99)) == []
    assert (
        rules.update(
            "water_level",
            {"device_id": "WL-1", "seq": 99, "ts": T0, "values": {"battery_pct": 50.0}},
        )
        == []
    )
    with pytest.raises(ValueError, match="clear_below"):
        LocalRule("x", "m", above=1, clear_below=2)


def test_gateway_publishes_local_rule_events(tmp_path: Path, mosquitto, probe) -> None:
    link = Link(mosquitto.address, "gw-local-test")
    link.connect()
    gw = Gateway("gw-local", link, SourceSequences(), local_rules=LocalRules([RULE]))
    gw.announce(
        [
            DeviceInfo(
                device_id="WL-1", kind="water_level", lon=LON, lat=LAT, grid="g1", interval_s=60
            )
        ],
        T0,
    )
    try:
        gw.add([reading(i, v) for i, v in enumerate([1, 20, 20, 20, 20])])
        gw.flush()
        _, payload = probe.wait_for(lambda t, p: t == Topics.events("gw-local"))
        ev = decode(EdgeEvent, payload)
        assert (ev.kind, ev.state, ev.device_id, ev.ts, ev.value) == (
            "water_level_high",
            "raised",
            "WL-1",
            T0 + 3 * MIN,
            20.0,
        )
        assert gw.events_sent == 1
    finally:
        gw.close()


def test_the_ioc_files_a_local_rule_event(tmp_path: Path) -> None:
    h = Harness(tmp_path / "ioc")
    h.org()
    h.send(
        Topics.devices(GW),
        DeviceAnnouncement,
        GW,
        ts=T0,
        devices=[
            DeviceInfo(
                device_id="WL-1", kind="water_level", lon=LON, lat=LAT, grid="g1", interval_s=60
            )
        ],
    )
    h.send(
        Topics.events(GW),
        EdgeEvent,
        GW,
        ts=T0 + MIN,
        event_id="water_level_high-WL-1-1",
        device_id="WL-1",
        kind="water_level_high",
        state="raised",
        value=20.0,
    )
    h.tick(2)
    [case] = h.views.cases()
    assert case["category"] == "SJ0501" and case["device_ids"] == ["WL-1"]
    assert case["evidence"] == []  # a local rule has no snapshot


def test_a_scenario_names_a_bad_local_rule(tmp_path: Path) -> None:
    import yaml

    from sim.scenario import ScenarioError, load_scenario

    data = yaml.safe_load((Path(__file__).parents[1] / "scenarios" / "demo.yaml").read_text())
    data["ioc"] = {"config": str(Path(__file__).parents[1] / "scenarios/ioc/default.yaml")}
    data["edge"] = {
        "local_rules": [
            {"id": "water_level_high", "metric": "water_cm", "above": 15, "clear_below": 20}
        ]
    }
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"edge\.local_rules\[0\].*clear_below"):
        load_scenario(path)
    data["edge"]["local_rules"][0]["clear_below"] = 8
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_scenario(path).edge.local_rules[0].above == 15
