"""The IOC as its own service (`citysim ioc serve`) on a real Mosquitto broker and real HTTP."""

from __future__ import annotations

import orjson

from ioc.contract import (
    ClockAck,
    ClockTick,
    DeviceAnnouncement,
    DeviceInfo,
    Topics,
    decode,
    encode,
    telemetry_payload,
)

T0 = 1_784_044_800_000
GW = "gw-svc"


def test_malformed_messages_go_to_dead_letters_and_ingest_keeps_running(ioc_service, probe):
    api = ioc_service.client
    probe.publish(Topics.telemetry(GW), b"this is not json")
    probe.publish(
        Topics.telemetry(GW),
        orjson.dumps(
            {
                "v": 1,
                "source": GW,
                "msg_seq": 1,
                "readings": [{"device_id": "SD-1", "seq": 1, "ts": "soon", "values": {}}],
            }
        ),
    )
    probe.publish(Topics.report("hotline"), b'{"v": 1}')
    # ...then valid traffic: a device, a reading, a tick; the IOC must acknowledge it.
    announce = DeviceAnnouncement(
        source=GW,
        msg_seq=2,
        ts=T0,
        devices=[
            DeviceInfo(
                device_id="SD-1",
                kind="smoke_detector",
                lon=116.0,
                lat=36.4,
                grid="g",
                interval_s=60,
            )
        ],
    )
    probe.publish(Topics.devices(GW), encode(announce))
    probe.publish(
        Topics.telemetry(GW),
        telemetry_payload(
            GW,
            3,
            [{"device_id": "SD-1", "seq": 1, "ts": T0 + 1000, "values": {"smoke_pct_m": 0.1}}],
        ),
    )
    probe.publish(
        Topics.TICK, encode(ClockTick(run_id="svc", seq=1, ts=T0 + 60_000, published={GW: 3}))
    )
    _, ack = probe.wait_for(lambda t, p: t == Topics.ACK)
    assert decode(ClockAck, ack).seq == 1

    dead = api.get("/deadletters")
    assert dead["counts"] == {"invalid_json": 1, "schema": 2}
    schema = [d for d in dead["items"] if d["reason"] == "schema"]
    assert any("readings[0].ts" in d["detail"] for d in schema)
    assert all(d["payload"] for d in dead["items"])  # the message itself is kept
    health = api.health()
    assert health["counters"]["readings"] == 1 and health["devices"] == 1
    assert health["clock_ts"] == T0 + 60_000
    assert api.get("/devices")[0]["device_id"] == "SD-1"
    assert api.get("/devices/SD-1/readings")[0]["values"] == {"smoke_pct_m": 0.1}


def test_api_serves_catalogue_kpis_and_404s(ioc_service):
    api = ioc_service.client
    items = {i["code"]: i for i in api.catalogue()["items"]}
    assert items["SJ0502"]["department"] == "fire" and items["SJ0502"]["urgency"] == "emergency"
    assert items["SJ0101"]["time_limit"] == {"value": 4.0, "unit": "work_hours"}
    body = api.get("/kpis")
    assert body["kpis"]["reported"] == 0 and body["names_zh"]["closure_rate"] == "结案率"
    assert api.cases() == []
    r = api._http.get("/cases/C999999")
    assert r.status_code == 404


def test_a_gateway_losing_power_is_reported_by_its_last_will(ioc_service, mosquitto):
    import time

    from edge.gateway import Gateway
    from edge.link import Link
    from edge.sources import SourceSequences

    gw_id = "gw-will"
    link = Link(
        mosquitto.address,
        "will-test",
        will=(Topics.gateway_status(gw_id), Gateway.status_payload(gw_id, "offline")),
    )
    link.connect()
    gateway = Gateway(gw_id, link, SourceSequences())
    gateway.announce(
        [
            DeviceInfo(
                device_id="WL-9", kind="water_level", lon=116.0, lat=36.4, grid="g", interval_s=60
            )
        ],
        T0,
    )

    def status() -> str | None:
        found = [g for g in ioc_service.client.get("/gateways") if g["gateway_id"] == gw_id]
        return found[0]["status"] if found else None

    def wait_for(expected: str) -> None:
        deadline = time.monotonic() + 10
        while status() != expected:
            assert time.monotonic() < deadline, f"gateway status is {status()}, not {expected}"
            time.sleep(0.05)

    wait_for("online")
    gateway.power_loss()  # no DISCONNECT: the broker publishes the will
    wait_for("offline")
    gateway.power_back(T0 + 60_000)
    wait_for("online")
    gateway.close()
