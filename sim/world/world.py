"""The SimPy world: one clock, the city's geometry, its device fleets, weather, incidents
(ground truth) and device faults.

`advance(t)` runs the SimPy clock to t; `sample(t0, t1)` then produces every reading due in
[t0, t1) as columnar blocks (faults applied), and `collect` turns them into the rows each
grid's gateway sends. Readings are computed after the window has been simulated, so each one
sees the incidents exactly as they were at its own timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
import simpy
from shapely.geometry import Polygon

from devices import FLEET_MODELS, KINDS, Fleet
from devices.camera import CameraFleet
from ioc.contract import DeviceInfo
from sim.scenario import INCIDENT_KINDS, IncidentKind, Place, Scenario
from sim.world.faults import Block, Fault, FaultBook
from sim.world.geo import LocalFrame, distances, locate, random_points
from sim.world.incidents import Incident, combine_exposure, start_incident
from sim.world.weather import Weather


@dataclass
class FleetRuntime:
    """A fleet model with where its devices are."""

    model: Fleet
    ids: list[str]
    xy: np.ndarray
    lonlat: np.ndarray
    grids: np.ndarray  # grid code per device
    interval_s: float
    grid_idx: np.ndarray  # grid number per device
    owner: str | None
    installed_years: float

    @property
    def kind(self) -> str:
        return self.model.KIND.name


# The department type that usually owns each device kind (the registry's 权属单位).
DEFAULT_OWNER = {
    "smart_pole": "lighting",
    "water_level": "drainage",
    "smoke_detector": "fire",
    "air_station": "ecology_env",
    "construction_site": "housing",
    "river_level": "water_resources",
    "pump_station": "drainage",
    "manhole_cover": "municipal",
    "gas_detector": "gas",
    "electrical_fire": "power",
    "hydrant": "water_supply",
    "parking_space": "urban_mgmt",
    "car_park": "transport",
    "ev_charger": "power",
    "smart_bin": "sanitation",
    "public_toilet": "sanitation",
    "traffic_detector": "traffic_police",
    "camera": "public_security",
    "tower_camera": "emergency_mgmt",
}
# Per-device attributes a fleet may hold that the IOC needs (e.g. a lamp's rated power for the
# energy baseline), published in the registry.
DEVICE_ATTRS = (
    "rated_w",
    "free_flow_kmh",
    "capacity",
    "warning_level_m",
    "pumps",
    "heading_deg",
    "fov_deg",
    "range_m",
    "height_m",
    "radius_m",
    "sweep_s",
    "hfov_deg",
)
AREA_NOISE_STEP_S = 600.0
AREA_NOISE_TAU_S = 3 * 3600.0


def gateway_id(grid_code: str) -> str:
    """The id of a grid's edge gateway."""
    return f"gw-{grid_code}"


class World:
    """The SimPy world of a scenario: build it, advance it, sample its readings, record its
    truth."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.env = simpy.Environment()
        seeds = np.random.SeedSequence(scenario.seed).spawn(8)
        self.rng_place = np.random.default_rng(seeds[0])
        self.rng_incidents = np.random.default_rng(seeds[1])
        self.rng_faults = np.random.default_rng(seeds[2])
        self.rng_fleets = seeds[3]
        self.rng_responders = seeds[4]
        rng_area = np.random.default_rng(seeds[5])
        rng_fault_noise = np.random.default_rng(seeds[6])
        self.rng_registry = np.random.default_rng(seeds[7])

        self.start: datetime = scenario.start
        self.start_ms = round(scenario.start.timestamp() * 1000)
        geo = scenario.geometry
        grid_specs = scenario.grids()
        if geo.crs == "local_m":
            assert geo.origin is not None
            self.frame = LocalFrame(geo.origin.lon, geo.origin.lat)
            self.polygons = [Polygon(g.polygon) for g in grid_specs]
        else:
            pts = np.array([p for g in grid_specs for p in g.polygon])
            self.frame = LocalFrame(float(pts[:, 0].mean()), float(pts[:, 1].mean()))
            self.polygons = [Polygon(self.frame.to_xy(np.array(g.polygon))) for g in grid_specs]
        self.areas = {
            name: shapely.transform(geom, self.frame.to_xy) for name, geom in scenario.areas.items()
        }  # named areas, metres
        self.grid_codes = [g.code for g in grid_specs]
        self.grid_index = {c: i for i, c in enumerate(self.grid_codes)}
        self.grid_areas: dict[str, dict[str, str | None]] = {
            g.code: {"district": d.code, "street": s.code, "community": g.community}
            for d in scenario.districts
            for s in d.streets
            for g in s.grids
        }
        # What people reported, with the incident each report was really about (for scoring).
        self.reports: list[dict[str, Any]] = []

        start_tod = scenario.start.hour * 3600 + scenario.start.minute * 60 + scenario.start.second
        self.start_tod_s = float(start_tod)
        w = scenario.weather
        spells = [(scenario.offset_s(r.start), scenario.offset_s(r.end), r.mm_h) for r in w.rain]
        fog = [
            (scenario.offset_s(f.start), scenario.offset_s(f.end), f.visibility_km) for f in w.fog
        ]
        self.weather = Weather(
            w.temp_c,
            w.rh_pct,
            w.pm25,
            spells,
            start_tod,
            scenario.start.weekday(),
            w.wind_ms,
            w.visibility_km,
            fog,
        )
        # Correlated neighbours: a slowly drifting standard-normal term per grid (AR(1)).
        steps = int(scenario.duration_s // AREA_NOISE_STEP_S) + 2
        phi = float(np.exp(-AREA_NOISE_STEP_S / AREA_NOISE_TAU_S))
        noise = np.empty((len(self.grid_codes), steps))
        noise[:, 0] = rng_area.standard_normal(len(self.grid_codes))
        for k in range(1, steps):
            noise[:, k] = phi * noise[:, k - 1] + np.sqrt(1 - phi**2) * rng_area.standard_normal(
                len(self.grid_codes)
            )
        self.area_noise = noise

        self.fleets = self._build_fleets()
        self.device_index = {
            dev: (n, i) for n, f in enumerate(self.fleets) for i, dev in enumerate(f.ids)
        }
        self.incidents = self._build_incidents()
        self.faults = FaultBook(
            self._build_faults(), [f.model for f in self.fleets], rng_fault_noise
        )
        for inc in self.incidents:
            self.env.process(inc.process(self.env, self.weather))

    # ------------------------------------------------------------------ build
    def _build_fleets(self) -> list[FleetRuntime]:
        fleets = []
        counters: dict[str, int] = {}
        streams = self.rng_fleets.spawn(len(self.scenario.fleets))
        for spec, stream in zip(self.scenario.fleets, streams, strict=True):
            if spec.placement.grids == "all":
                allowed = list(range(len(self.polygons)))
            else:
                allowed = [self.grid_index[c] for c in spec.placement.grids]
            if spec.placement.points is not None:
                xy = np.array(spec.placement.points, dtype=float)
                if self.scenario.geometry.crs == "lonlat":
                    xy = self.frame.to_xy(xy)
                grids = np.array([self.grid_codes[int(g)] for g in locate(self.polygons, xy)])
            elif spec.placement.area is not None:
                xy = self._in_area(spec.placement.area, spec.count, 0.0, self.rng_place)
                grids = np.array([self.grid_codes[int(g)] for g in locate(self.polygons, xy)])
            else:
                xy, which = random_points(
                    [self.polygons[i] for i in allowed], spec.count, self.rng_place
                )
                grids = np.array([self.grid_codes[allowed[k]] for k in which])
            kind = KINDS[spec.kind]
            first = counters.get(spec.kind, 0)
            counters[spec.kind] = first + spec.count
            width = max(4, len(str(first + spec.count)))
            ids = [f"{kind.id_prefix}-{first + i + 1:0{width}d}" for i in range(spec.count)]
            model = FLEET_MODELS[spec.kind](
                spec.count, spec.interval_s, np.random.default_rng(stream), spec.params
            )
            grid_idx = np.array([self.grid_index[g] for g in grids], dtype=int)
            fleets.append(
                FleetRuntime(
                    model,
                    ids,
                    xy,
                    self.frame.to_lonlat(xy),
                    grids,
                    spec.interval_s,
                    grid_idx,
                    spec.owner or DEFAULT_OWNER.get(spec.kind),
                    spec.installed_years,
                )
            )
        return fleets

    def fleets_of(self, kind: str) -> list[FleetRuntime]:
        return [f for f in self.fleets if f.kind == kind]

    def _place(self, place: Place) -> np.ndarray:
        rng = self.rng_incidents
        if place.point is not None:
            xy = np.array(place.point, dtype=float)
            return self.frame.to_xy(xy) if self.scenario.geometry.crs == "lonlat" else xy
        if place.grid is not None:
            xy, _ = random_points([self.polygons[self.grid_index[place.grid]]], 1, rng)
            return xy[0]
        if place.area is not None:
            return self._in_area(place.area, 1, place.within_m, rng)[0]
        assert place.near is not None
        fleets = self.fleets_of(place.near)
        sizes = np.array([f.model.n for f in fleets])
        k = int(rng.integers(sizes.sum()))
        fleet_i = int(np.searchsorted(np.cumsum(sizes), k, side="right"))
        dev = k - int(sizes[:fleet_i].sum())
        model = fleets[fleet_i].model
        base = fleets[fleet_i].xy[dev]
        if isinstance(model, CameraFleet):  # somewhere the camera looks at
            r = float(model.range_m[dev]) * rng.uniform(0.3, 0.85)
            bearing = np.radians(
                model.heading_deg[dev] + rng.uniform(-0.4, 0.4) * model.fov_deg[dev]
            )
            return base + r * np.array([np.sin(bearing), np.cos(bearing)])
        r = place.within_m * np.sqrt(rng.random())
        a = rng.uniform(0, 2 * np.pi)
        return base + r * np.array([np.cos(a), np.sin(a)])

    def _in_area(self, name: str, n: int, within_m: float, rng: np.random.Generator) -> np.ndarray:
        """`n` random points in a named area: anywhere in its polygons, else along its lines
        (up to `within_m` to either side), else at its points."""
        geom = self.areas[name]
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        if polys:
            return random_points(polys, n, rng)[0]
        lines = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "LineString"]
        if lines:
            line = shapely.MultiLineString(lines) if len(lines) > 1 else lines[0]
            at = shapely.line_interpolate_point(line, rng.uniform(0, line.length, n))
            xy = shapely.get_coordinates(at)
            a = rng.uniform(0, 2 * np.pi, n)
            r = within_m * np.sqrt(rng.random(n))
            return xy + np.stack([r * np.cos(a), r * np.sin(a)], axis=-1)
        pts = shapely.get_coordinates(geom)
        return pts[rng.integers(len(pts), size=n)]

    def _build_incidents(self) -> list[Incident]:
        sc = self.scenario
        rng = self.rng_incidents
        made: list[Incident] = []
        for item in sc.incidents.timeline:
            kind = INCIDENT_KINDS[item.kind]
            duration = item.duration_min * 60 if item.duration_min else self._duration(kind)
            made.append(
                start_incident(
                    kind,
                    self._place(item),
                    sc.offset_s(item.at),
                    duration,
                    dict(item.params),
                    "timeline",
                )
            )
        # A shortened run keeps the same draws, then drops what starts after its end.
        made = [inc for inc in made if inc.start < sc.duration_s]
        for rate in sc.incidents.rates:
            kind = INCIDENT_KINDS[rate.kind]
            n = int(rng.poisson(rate.per_day * sc.duration_h / 24.0))
            for start in np.sort(rng.uniform(0, sc.duration_s, n)):
                made.append(
                    start_incident(
                        kind, self._place(rate), float(start), self._duration(kind), {}, "rate"
                    )
                )
        made.sort(key=lambda inc: inc.start)
        for i, inc in enumerate(made, 1):
            inc.id = f"INC-{i:04d}"
            if inc.kind.targets:
                self._attach(inc, inc.kind.targets)
            inc.grid = self.grid_codes[int(locate(self.polygons, inc.xy)[0])]
        return made

    def _attach(self, inc: Incident, kind: str) -> None:
        """Move a device-bound incident (a lamp fault) onto the nearest device of `kind`."""
        candidates = [
            (d, n, int(np.argmin(d)))
            for n, f in enumerate(self.fleets)
            if f.kind == kind
            for d in [distances(f.xy, inc.xy)]
        ]
        if not candidates:
            raise ValueError(
                f"incident kind {inc.kind.name!r} needs a fleet of {kind!r} in the scenario"
            )
        _, fleet, dev = min(candidates, key=lambda c: float(c[0][c[2]]))
        inc.target = (fleet, dev)
        inc.xy = self.fleets[fleet].xy[dev].copy()

    def _duration(self, kind: IncidentKind) -> float | None:
        if kind.duration_min is None:
            return None
        lo, hi = kind.duration_min
        return float(self.rng_incidents.uniform(lo, hi) * 60)

    def _build_faults(self) -> list[Fault]:
        sc = self.scenario
        rng = self.rng_faults
        specs: list[tuple[Any, float]] = [(f, sc.offset_s(f.at)) for f in sc.faults]
        for rate in sc.fault_rates:
            n = int(rng.poisson(rate.per_day * sc.duration_h / 24.0))
            specs += [(rate, float(t)) for t in np.sort(rng.uniform(0, sc.duration_s, n))]
        faults = []
        for spec, start in specs:
            end = start + spec.duration_min * 60
            if spec.kind == "gateway_offline":
                faults.append(
                    Fault(spec.kind, start, end, grid=spec.grid, params=dict(spec.params))
                )
                continue
            # Pick the devices among every fleet of the kind, as one numbering.
            fleets = [n for n, f in enumerate(self.fleets) if f.kind == spec.fleet]
            sizes = np.array([self.fleets[n].model.n for n in fleets])
            offsets = np.concatenate([[0], np.cumsum(sizes)])
            count = min(spec.count, int(sizes.sum()))
            picks = np.sort(rng.choice(int(sizes.sum()), size=count, replace=False))
            devices = {}
            for k, n in enumerate(fleets):
                mine = picks[(picks >= offsets[k]) & (picks < offsets[k + 1])] - offsets[k]
                if mine.size:
                    devices[n] = mine
            faults.append(Fault(spec.kind, start, end, devices, params=dict(spec.params)))
        faults.sort(key=lambda f: f.start)
        return [f for f in faults if f.start < sc.duration_s]

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> float:
        return float(self.env.now)

    def advance(self, t: float) -> None:
        """Run the simulation clock up to (not including) time t."""
        self.env.run(until=t)

    def ms(self, t: float) -> int:
        """Simulated seconds -> event time in epoch milliseconds."""
        return self.start_ms + round(t * 1000)

    def iso(self, t: float) -> str:
        return (self.start + timedelta(seconds=t)).isoformat(timespec="seconds")

    # ------------------------------------------------------------------ readings
    def device_infos(self) -> dict[str, list[DeviceInfo]]:
        """Devices grouped by the gateway of their grid, as the contract describes them: the
        registry (设备台账) with owner, install date and the attributes the IOC needs."""
        out: dict[str, list[DeviceInfo]] = {}
        rng = self.rng_registry
        for f in self.fleets:
            lonlat = f.lonlat.tolist()
            ages = rng.uniform(0.0, f.installed_years * 365.0, f.model.n)
            attrs = {
                a: np.asarray(getattr(f.model, a))
                for a in DEVICE_ATTRS
                if isinstance(getattr(f.model, a, None), np.ndarray)
            }
            for i, dev in enumerate(f.ids):
                installed = (self.start - timedelta(days=float(ages[i]))).date()
                out.setdefault(gateway_id(str(f.grids[i])), []).append(
                    DeviceInfo(
                        device_id=dev,
                        kind=f.kind,
                        lon=round(lonlat[i][0], 7),
                        lat=round(lonlat[i][1], 7),
                        grid=str(f.grids[i]),
                        interval_s=f.interval_s,
                        owner=f.owner,
                        installed=installed,
                        attrs={a: round(float(v[i]), 3) for a, v in attrs.items()},
                    )
                )
        return out

    def sample(self, t0: float, t1: float) -> list[Block]:
        """Every reading due in [t0, t1) as it reaches the gateways: columnar blocks, after
        faults (lost, stuck, drifting, late or duplicated readings)."""
        blocks: list[Block] = []
        active = [inc for inc in self.incidents if inc.overlaps(t0, t1)]
        self.faults.window(t0, t1)
        for fleet, f in enumerate(self.fleets):
            blocks += self.faults.release_held(fleet)
            for idx, t in f.model.due(t0, t1):
                up = ~self.faults.silent(fleet, idx, t)
                idx, t = idx[up], t[up]
                if idx.size == 0:
                    continue
                values = f.model.produce(idx, t, self._conditions(fleet, idx, t, active))
                seq = f.model.take_seq(idx)
                blocks += self.faults.apply(Block(fleet, idx, t, seq, values))
        return blocks

    def collect(self, t0: float, t1: float) -> dict[str, list[dict[str, Any]]]:
        """The readings of [t0, t1) as contract reading rows grouped by gateway (readings of
        a gateway that is down are lost)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for b in self.sample(t0, t1):
            f = self.fleets[b.fleet]
            ts = (self.start_ms + np.round(b.stamp * 1000)).astype(np.int64).tolist()
            names = list(b.values)
            cols = [b.values[m].tolist() for m in names]
            seqs = b.seq.tolist()
            grids = f.grids[b.idx].tolist()
            for j, i in enumerate(b.idx.tolist()):
                # lost: taken while its gateway had no power, or sent while the link is dead
                if self.faults.gateway_down(grids[j], b.t[j]) or self.faults.link_dead(
                    grids[j], t0, t1
                ):
                    continue
                out.setdefault(gateway_id(grids[j]), []).append(
                    {
                        "device_id": f.ids[i],
                        "seq": seqs[j],
                        "ts": ts[j],
                        "values": {m: col[j] for m, col in zip(names, cols, strict=True)},
                    }
                )
        return out

    def _conditions(
        self, fleet: int, idx: np.ndarray, t: np.ndarray, incidents: list[Incident]
    ) -> dict[str, np.ndarray]:
        f = self.fleets[fleet]
        cond = self.weather.ambient(t)
        cond["area_noise"] = self._area_noise(f.grid_idx[idx], t)
        xy = f.xy[idx]
        for sense in f.model.KIND.senses:
            cond[sense] = combine_exposure(sense, incidents, fleet, idx, xy, t)
        if "water_depth_cm" in cond:
            # A film of water on every road while it rains, below any alarm threshold.
            cond["water_depth_cm"] = cond["water_depth_cm"] + np.minimum(
                0.08 * cond["rain_mm_h"], 2.5
            )
        return cond

    def _area_noise(self, grid_idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        pos = np.clip(t / AREA_NOISE_STEP_S, 0, self.area_noise.shape[1] - 1.001)
        k = pos.astype(int)
        w = pos - k
        return self.area_noise[grid_idx, k] * (1 - w) + self.area_noise[grid_idx, k + 1] * w

    def command(
        self, device_ids: list[str], action: str, params: dict[str, Any]
    ) -> list[tuple[str, str, str]]:
        """Apply a remote command now; (device id, status, detail) for each device."""
        by_fleet: dict[int, list[tuple[str, int]]] = {}
        out = []
        for dev in device_ids:
            where = self.device_index.get(dev)
            if where is None:
                out.append((dev, "rejected", "no such device"))
            else:
                by_fleet.setdefault(where[0], []).append((dev, where[1]))
        for fleet, members in sorted(by_fleet.items()):
            idx = np.array([i for _, i in members])
            status, detail = self.fleets[fleet].model.command(idx, action, params, self.now)
            out += [(dev, status, detail) for dev, _ in members]
        return out

    def incidents_near(self, xy: np.ndarray, radius_m: float, t: float) -> list[Incident]:
        """Incidents going on at time t within radius of a point, nearest first."""
        found = [
            (float(np.hypot(*(inc.xy - xy))), inc) for inc in self.incidents if inc.active_at(t)
        ]
        return [inc for d, inc in sorted(found, key=lambda p: (p[0], p[1].id)) if d <= radius_m]

    def xy(self, lon: float, lat: float) -> np.ndarray:
        return self.frame.to_xy(np.array([lon, lat]))

    def lonlat(self, xy: np.ndarray) -> tuple[float, float]:
        lon, lat = self.frame.to_lonlat(xy).tolist()
        return round(lon, 7), round(lat, 7)

    def grid_of(self, xy: np.ndarray) -> str:
        return self.grid_codes[int(locate(self.polygons, xy)[0])]

    def daylight(self, t: float) -> bool:
        tod = float(self.weather.tod(t))
        return 6 * 3600 <= tod < 19 * 3600

    # ------------------------------------------------------------------ truth
    def truth_records(self) -> list[dict[str, Any]]:
        """The ground truth, one record per line of truth.jsonl: incidents, then what people
        reported (and which incident it really was), then device faults."""
        records: list[dict[str, Any]] = []
        for inc in self.incidents:
            lon, lat = self.frame.to_lonlat(inc.xy).tolist()
            records.append(
                {
                    "type": "incident",
                    "id": inc.id,
                    "kind": inc.kind.name,
                    "kind_zh": inc.kind.name_zh,
                    "kind_en": inc.kind.name_en,
                    "category": inc.kind.category,
                    "categories": list(inc.kind.categories),
                    "origin": inc.origin,
                    "lon": round(lon, 7),
                    "lat": round(lat, 7),
                    "grid": inc.grid,
                    "start": self.iso(inc.start),
                    "start_ts": self.ms(inc.start),
                    "end": self.iso(inc.end) if inc.end is not None else None,
                    "end_ts": self.ms(inc.end) if inc.end is not None else None,
                    "ended_by": inc.ended_by,
                    "handled_ts": self.ms(inc.handled_ts) if inc.handled_ts is not None else None,
                    "handled_by_case": inc.handled_by,
                    "peak_level": round(inc.peak, 3),
                }
            )
        records += [{"type": "report", **r} for r in self.reports]
        records += self.faults.truth([f.ids for f in self.fleets], self.start_ms, self.iso)
        return records
