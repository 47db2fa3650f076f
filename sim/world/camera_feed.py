"""Where cameras look: when each camera needs frames, and the frames it sees.

Rendering and analysing every camera all day would cost far more than the rest of the city,
so a camera takes a *look* (a burst of `LOOK_FRAMES` frames at `LOOK_FPS`) only when it needs
one:

- a street camera looks every `look_s` while something its analytics can see is in its view
  (for its first `eager_looks` looks; then every `watch_s`), every `watch_s` while its edge
  holds an open event (until that clears), and now and then at an empty view (`idle_per_h`),
  where passers-by, traffic and look-alikes can still fool the analytics. A look after a
  pause (or of a camera whose analytics relearn the view, LEAD_IN_ANALYTICS) carries the
  frames just before it as history, so the edge's background models start
  from the view as it was;
- a tower camera's sweep passes each preset sector once per `sweep_s`; a pass is looked at
  when a target is in that sector (within the tower's radius), every `watch_every`-th pass
  while an event is open there, and at random idle sectors. Its history is the same sector
  on the previous pass. Far targets are drawn at their apparent size (pinhole optics) on the
  image row of their range (`TowerOptics`), veiled by the air's contrast loss over the
  distance (Koschmieder, with the weather's visibility); at night the tower is in thermal mode.

Using the ground truth to decide *when* to render is only a saving: what the analytics see
is the rendered frame, and they never see the truth.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
from shapely.geometry import Point

from devices.camera import CameraFleet, TowerCameraFleet, bearing_deg
from devices.scenes import SceneObject, SceneSpec, apparent_size_px, default_zones, layout, render
from edge.camera_analytics import LEAD_IN_ANALYTICS, CameraSetup, Look, TowerOptics
from edge.vision import CaptureSource
from sim.world.incidents import Fire, Incident
from sim.world.world import FleetRuntime, World, gateway_id

LOOK_FRAMES, LOOK_FPS = 12, 4.0
HISTORY_S = (-6.0, -3.0)  # a fixed camera's frames before a look after a pause
HISTORY_LEAD_S = -min(HISTORY_S)
W, H = 320, 240
NIGHT_START_S, NIGHT_END_S = 19 * 3600, 6 * 3600
# Sizes on the ground (m) of what a tower sees far away (fire plumes come from the incident).
FAR_SIZE_M = {"building": (16.0, 8.0), "intruder": (0.6, 1.7)}
# Floating debris: a piece enters the view every DEBRIS_EVERY_S and takes DEBRIS_CROSS_S to
# drift across it (a few px/s: a slow river's current at a camera's distance).
DEBRIS_EVERY_S, DEBRIS_CROSS_S = 45.0, 80.0

Busy = Callable[[str, str, str], bool]  # (gateway id, device id, view) -> an event is open


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


@dataclass
class _Cam:
    device_id: str
    gateway: str
    fleet: int
    index: int
    xy: np.ndarray
    scene: str
    analytics: tuple[str, ...]
    next_look: float = math.inf
    last_look: float = -math.inf
    next_idle: float = 0.0
    session_looks: int = 0
    video: CaptureSource | None = None  # real footage instead of rendered frames
    video_start: float = 0.0  # run offset (s) of the footage's first frame


@dataclass
class _Tower:
    device_id: str
    gateway: str
    fleet: int
    index: int
    xy: np.ndarray
    model: TowerCameraFleet
    optics: TowerOptics
    analytics: tuple[str, ...]
    passes_seen: dict[int, int] = field(default_factory=dict)  # sector -> passes while open
    next_idle: float = 0.0
    sector_scenes: list[str] = field(default_factory=list)  # what each preset looks at


class CameraFeed:
    """Decides which cameras look when, and renders their looks, as the camera fleets'
    parameters say (devices.camera.CameraParams: look_s, watch_s, eager_looks, idle_per_h;
    TowerCameraParams: watch_every, idle_per_h)."""

    def __init__(self, world: World):
        self.world = world
        self.rng = np.random.default_rng(_seed("camera-feed", world.scenario.seed))
        self.cams: list[_Cam] = []
        self.towers: list[_Tower] = []
        self.looks_taken = 0
        self.frames_rendered = 0
        for n, f in enumerate(world.fleets):
            if isinstance(f.model, CameraFleet):
                self.cams += [self._cam(f, n, i) for i in range(f.model.n)]
            elif isinstance(f.model, TowerCameraFleet):
                self.towers += [self._tower(f, n, i) for i in range(f.model.n)]

    def _cam(self, f: FleetRuntime, n: int, i: int) -> _Cam:
        m = f.model
        assert isinstance(m, CameraFleet)
        cam = _Cam(f.ids[i], gateway_id(str(f.grids[i])), n, i, f.xy[i], m.scene, m.analytics)
        video = m.params.video
        if video:
            uri = (
                str(video)
                if "://" in str(video)
                else str(self.world.scenario.resolve_path(str(video)))
            )
            cam.video = CaptureSource(uri)
            cam.video_start = m.params.video_start_s
            cam.next_look = cam.video_start + HISTORY_LEAD_S
        else:
            cam.next_idle = self._next_idle(0.0, m.idle_per_h)
        return cam

    def _tower(self, f: FleetRuntime, n: int, i: int) -> _Tower:
        m = f.model
        assert isinstance(m, TowerCameraFleet)
        optics = TowerOptics(float(m.height_m[i]), float(m.hfov_deg[i]), W, H)
        tower = _Tower(f.ids[i], gateway_id(str(f.grids[i])), n, i, f.xy[i], m, optics, m.analytics)
        tower.next_idle = self._next_idle(0.0, m.params.idle_per_h)
        tower.sector_scenes = self._sector_scenes(tower)
        return tower

    def _sector_scenes(self, tower: _Tower) -> list[str]:
        """Each preset's scene: with `sector_scenes` ({area: scene}), the first area that
        holds the middle of the sector (its centre line at half the radius) decides, else
        the tower's `scene`."""
        m, i = tower.model, tower.index
        sectors = round(360.0 / float(m.hfov_deg[i]))
        by_area: dict[str, str] = dict(m.params.sector_scenes)
        reach = float(m.radius_m[i]) / 2
        out = []
        for k in range(sectors):
            b = math.radians((k + 0.5) * 360.0 / sectors)
            mid = Point(tower.xy[0] + reach * math.sin(b), tower.xy[1] + reach * math.cos(b))
            out.append(
                next(
                    (
                        scene
                        for area, scene in by_area.items()
                        if self.world.areas[area].covers(mid)
                    ),
                    m.scene,
                )
            )
        return out

    def _next_idle(self, t: float, per_h: float) -> float:
        return t + float(self.rng.exponential(3600.0 / per_h)) if per_h > 0 else math.inf

    def close(self) -> None:
        """Release the cameras' video sources."""
        for cam in self.cams:
            if cam.video is not None:
                cam.video.close()

    # ------------------------------------------------------------------ setups
    def setups(self) -> dict[str, list[CameraSetup]]:
        """What each gateway's edge needs to know about its cameras."""
        out: dict[str, list[CameraSetup]] = {}
        for c in self.cams:
            lon, lat = self.world.lonlat(c.xy)
            zones = default_zones(c.scene, W, H)
            out.setdefault(c.gateway, []).append(
                CameraSetup(c.device_id, lon, lat, c.scene, c.analytics, zones)
            )
        for tw in self.towers:
            lon, lat = self.world.lonlat(tw.xy)
            out.setdefault(tw.gateway, []).append(
                CameraSetup(
                    tw.device_id,
                    lon,
                    lat,
                    tw.model.scene,
                    tw.analytics,
                    default_zones(_tower_scene(tw.model.scene), W, H),
                    optics=tw.optics,
                    view_zones={
                        sc: default_zones(_tower_scene(sc), W, H) for sc in set(tw.sector_scenes)
                    },
                )
            )
        return out

    # ------------------------------------------------------------------ looks
    def looks(self, t0: float, t1: float, busy: Busy) -> Iterator[tuple[str, Look]]:
        """The looks taken in [t0, t1), camera by camera. `busy` is asked after each look has
        been analysed (the edge's answer decides whether the camera keeps looking)."""
        for cam in self.cams:
            if cam.video is not None:
                yield from self._video_looks(cam, t0, t1)
            else:
                yield from self._fixed_looks(cam, t0, t1, busy)
        for tower in self.towers:
            yield from self._tower_looks(tower, t0, t1, busy)

    def _down(self, fleet: int, index: int, gateway: str, t: float) -> bool:
        faults = self.world.faults
        return bool(
            faults.silent(fleet, np.array([index]), np.array([t]))[0]
        ) or faults.gateway_down(gateway.removeprefix("gw-"), t)

    def _fixed_looks(
        self, cam: _Cam, t0: float, t1: float, busy: Busy
    ) -> Iterator[tuple[str, Look]]:
        model = self.world.fleets[cam.fleet].model
        assert isinstance(model, CameraFleet)
        look_s, watch_s = model.params.look_s, model.params.watch_s
        eager = model.params.eager_looks
        if math.isinf(cam.next_look):
            starts = [max(inc.start, t0) for inc in self._in_view(cam, t0, t1)]
            if starts:
                cam.next_look = min(starts) + float(self.rng.uniform(0, 5))
        while True:
            idle = cam.next_idle < t1 and cam.next_idle < cam.next_look
            t = cam.next_idle if idle else cam.next_look
            if t >= t1:
                return
            if idle:
                cam.next_idle = self._next_idle(t, model.idle_per_h)
            else:
                cam.next_look = math.inf
            if self._down(cam.fleet, cam.index, cam.gateway, t):
                continue
            paused = t - cam.last_look > 1.5 * watch_s
            cam.session_looks = 1 if paused else cam.session_looks + 1
            lead_in = paused or not LEAD_IN_ANALYTICS.isdisjoint(cam.analytics)
            look = self._fixed_look(cam, t, history=lead_in, idle=idle)
            cam.last_look = t
            yield cam.gateway, look
            if busy(cam.gateway, cam.device_id, look.view):
                cam.next_look = min(cam.next_look, t + watch_s)
            elif self._in_view(cam, t, t + look_s):
                gap = look_s if cam.session_looks < eager else watch_s
                cam.next_look = min(cam.next_look, t + gap)

    def _video_looks(self, cam: _Cam, t0: float, t1: float) -> Iterator[tuple[str, Look]]:
        """A camera on real footage looks every `look_s` while the footage lasts: frames read
        at the look's times (footage time = run time - video_start_s), scaled to the
        analytics' 320x240, with lead-in frames. The truth knows nothing of what it shows."""
        model = self.world.fleets[cam.fleet].model
        assert cam.video is not None and isinstance(model, CameraFleet)
        look_s = model.params.look_s
        while cam.next_look < t1:
            t = cam.next_look
            cam.next_look = t + look_s
            if self._down(cam.fleet, cam.index, cam.gateway, t):
                continue
            past = self._video_frames(cam, [t + d for d in HISTORY_S])
            frames = self._video_frames(cam, [t + k / LOOK_FPS for k in range(LOOK_FRAMES)])
            if len(frames) < LOOK_FRAMES:  # the footage has ended: no more looks
                cam.video.close()
                cam.next_look = math.inf
                return
            self.looks_taken += 1
            yield cam.gateway, Look(cam.device_id, "main", frames, past)

    def _video_frames(self, cam: _Cam, times: list[float]) -> list[tuple[float, np.ndarray]]:
        assert cam.video is not None
        base = self.world.start_ms / 1000.0
        out = []
        for t in times:
            item = cam.video.read_at(t - cam.video_start)
            if item is None:
                break
            out.append((base + t, cv2.resize(item[1], (W, H), interpolation=cv2.INTER_AREA)))
        self.frames_rendered += len(out)
        return out

    def _in_view(self, cam: _Cam, t0: float, t1: float) -> list[Incident]:
        model = self.world.fleets[cam.fleet].model
        assert isinstance(model, CameraFleet)
        out = []
        for inc in self.world.incidents:
            if inc.kind.seen_as not in cam.analytics or not inc.overlaps(t0, t1):
                continue
            if inc.end is not None and inc.end <= t0:
                continue
            dx, dy = (inc.xy - cam.xy).tolist()
            if model.sees(cam.index, dx, dy):
                out.append(inc)
        return out

    def _fixed_look(self, cam: _Cam, t: float, history: bool, idle: bool) -> Look:
        model = self.world.fleets[cam.fleet].model
        assert isinstance(model, CameraFleet)
        objects = [
            obj
            for inc in self._in_view(cam, t - 30, t + 5)
            for obj in _fixed_objects(inc, cam.scene, _seed(cam.device_id, inc.id), t)
        ]
        if idle:
            objects += _distractors(cam.scene, t, self.rng)
        weather = self.world.weather
        activity = float(weather.activity(t))
        spec = SceneSpec(
            cam.scene,
            _seed(cam.device_id),
            W,
            H,
            night=self._night(t),
            fog=_fog(weather.visibility_km(t), 0.08),
            objects=tuple(objects),
            background_traffic=round((3 if cam.scene == "street" else 1) * activity),
        )
        frames = self._frames(spec, [t + k / LOOK_FPS for k in range(LOOK_FRAMES)])
        past = self._frames(spec, [t + d for d in HISTORY_S]) if history else []
        self.looks_taken += 1
        return Look(cam.device_id, "main", frames, past)

    def _tower_looks(
        self, tower: _Tower, t0: float, t1: float, busy: Busy
    ) -> Iterator[tuple[str, Look]]:
        i, m = tower.index, tower.model
        hfov = float(m.hfov_deg[i])
        sweep = float(m.sweep_s[i])
        sectors = round(360.0 / hfov)
        watch_every = m.params.watch_every
        wanted: dict[int, list[tuple[float, Incident]]] = {}
        for inc in self.world.incidents:
            if inc.kind.seen_as not in tower.analytics or not inc.overlaps(t0, t1):
                continue
            dx, dy = (inc.xy - tower.xy).tolist()
            if math.hypot(dx, dy) <= float(m.radius_m[i]):
                sector = int(float(bearing_deg(dx, dy)) // (360.0 / sectors)) % sectors
                wanted.setdefault(sector, []).append((float(bearing_deg(dx, dy)), inc))
        for sector in list(tower.passes_seen):
            wanted.setdefault(sector, [])
        idle: set[int] = set()  # sectors glanced at with nothing known there
        while tower.next_idle < t1:
            sector = int(self.rng.integers(sectors))
            idle.add(sector)
            wanted.setdefault(sector, [])
            tower.next_idle = self._next_idle(tower.next_idle, m.params.idle_per_h)
        for sector, targets in sorted(wanted.items()):
            centre = (sector + 0.5) * 360.0 / sectors
            for tp in m.passes(i, centre, t0, t1):
                tp = float(tp)
                open_here = busy(tower.gateway, tower.device_id, f"s{sector:02d}")
                live = [(b, inc) for b, inc in targets if inc.active_at(tp)]
                if open_here:
                    tower.passes_seen[sector] = tower.passes_seen.get(sector, 0) + 1
                    if tower.passes_seen[sector] % watch_every and not live:
                        continue
                else:
                    tower.passes_seen.pop(sector, None)
                    if not live and sector not in idle:
                        continue
                if self._down(tower.fleet, i, tower.gateway, tp):
                    continue
                idle.discard(sector)
                yield tower.gateway, self._tower_look(tower, sector, centre, tp, targets, sweep)

    def _tower_look(
        self,
        tower: _Tower,
        sector: int,
        centre: float,
        tp: float,
        targets: list[tuple[float, Incident]],
        sweep: float,
    ) -> Look:
        start = tp  # (not centred on tp: a look never reaches back before its window)
        times = [start + k / LOOK_FPS for k in range(LOOK_FRAMES)]
        before = [start - sweep + k / LOOK_FPS for k in range(len(HISTORY_S))]
        frames = self._frames(self._tower_spec(tower, sector, centre, tp, targets), times)
        past = self._frames(self._tower_spec(tower, sector, centre, tp - sweep, targets), before)
        self.looks_taken += 1
        return Look(
            tower.device_id,
            f"s{sector:02d}",
            frames,
            past,
            azimuth_deg=round(centre, 3),
            scene=tower.sector_scenes[sector],
        )

    def _tower_spec(
        self,
        tower: _Tower,
        sector: int,
        centre: float,
        t: float,
        targets: list[tuple[float, Incident]],
    ) -> SceneSpec:
        m, i = tower.model, tower.index
        night = self._night(t)
        vis_m = self.world.weather.visibility_km(t) * 1000.0 * (4.0 if night else 1.0)
        hfov = float(m.hfov_deg[i])
        objects = []
        for bearing, inc in targets:
            dist = float(np.hypot(*(inc.xy - tower.xy)))
            level = float(inc.level_at(np.array([t]))[0])
            if level <= 0:
                continue
            x = (0.5 + bearing_offset_deg(bearing, centre) / hfov) * W
            if inc.kind.seen_as == "intrusion":  # on the track the preset is aimed along
                x0, x1 = layout("rail", W, H)["track_x"]
                x = x0 + (x1 - x0) * (0.3 + 0.4 * (x / W))
            base = tower.optics.row_for_range(dist)
            contrast = math.exp(-3.912 * dist / vis_m)
            kind = inc.kind.seen_as
            if kind == "fire_smoke":
                plume_m = inc.p("plume_m", 15.0) * level
                h = max(1.0, apparent_size_px(plume_m, dist, hfov, W))
                w = max(1.0, 0.45 * h)
                objects.append(
                    SceneObject("fire", x - w / 2, base - h, w, h, t0=-1e9, contrast=contrast)
                )
            else:
                obj = "building" if kind == "land_change" else "intruder"
                wm, hm = FAR_SIZE_M[obj]
                w = max(1.0, apparent_size_px(wm, dist, hfov, W))
                h = max(1.0, apparent_size_px(hm, dist, hfov, W))
                objects.append(
                    SceneObject(obj, x - w / 2, base - h, w, h, t0=-1e9, contrast=contrast)
                )
        return SceneSpec(
            _tower_scene(tower.sector_scenes[sector]),
            _seed(tower.device_id, sector),
            W,
            H,
            night=night,
            thermal=night,
            fog=_fog(vis_m / 1000.0, 0.3),
            objects=tuple(objects),
        )

    def _frames(self, spec: SceneSpec, times: list[float]) -> list[tuple[float, np.ndarray]]:
        """Rendered frames, stamped in epoch seconds."""
        base = self.world.start_ms / 1000.0
        self.frames_rendered += len(times)
        return [(base + t, render(spec, t).image) for t in times]

    def _night(self, t: float) -> bool:
        tod = float(self.world.weather.tod(t))
        return tod >= NIGHT_START_S or tod < NIGHT_END_S


def _tower_scene(scene: str) -> str:
    """The rendered scene kind of a tower's view (its land: forest, farmland or rail)."""
    return scene if scene in ("forest", "farmland", "rail") else "farmland"


def bearing_offset_deg(bearing: float, centre: float) -> float:
    """Signed difference of two bearings in degrees, in [-180, 180)."""
    return (bearing - centre + 180.0) % 360.0 - 180.0


def _fog(visibility_km: float, weight: float) -> float:
    """The renderer's fog level (its visibility scale: 30 km clear to 1 km at 1), scaled by
    how much air lies between a camera and what it watches."""
    level = math.log(30.0 / max(visibility_km, 0.5)) / math.log(30.0)
    return float(min(1.0, max(0.0, level)) * weight)


def _fixed_objects(inc: Incident, scene: str, seed: int, around: float) -> list[SceneObject]:
    """A target as a street camera draws it, where its analytic watches for it, for a look
    at time `around`."""
    rng = np.random.default_rng(seed)
    lay = layout(scene, W, H)
    start = inc.start
    end = inc.end if inc.end is not None else math.inf
    kind = inc.kind.seen_as
    u = float(rng.uniform(0.15, 0.75))
    if kind == "fire_smoke":
        top = lay.get("upper_walk", lay.get("far_bank", (0.3 * H, 0.4 * H)))[1]
        w, h = float(rng.uniform(18, 28)), float(rng.uniform(40, 60))
        grow = inc.p("ramp_min", 5.0) * 60 if isinstance(inc, Fire) else 0.0
        return [SceneObject("fire", u * W, top - h, w, h, t0=start, t1=end, grow_s=grow)]
    if kind == "illegal_parking":
        y0, _ = lay.get("lane_b", (0.66 * H, 0.82 * H))
        x, y, w, h = u * W, y0 + 4, 40.0, 16.0
        speed = 10.0
        arrive = 15.0
        style = int(rng.integers(7))
        return [
            SceneObject(
                "car",
                -w - 2,
                y,
                w,
                h,
                t0=start - arrive,
                t1=start,
                vx=(x + w + 2) / arrive,
                style=style,
            ),
            SceneObject("car", x, y, w, h, t0=start, t1=end, style=style),
            SceneObject("car", x, y, w, h, t0=end, vx=speed, style=style),
        ]
    if kind in ("street_vending", "exposed_garbage"):
        y0 = lay.get("lower_walk", lay.get("edge", (0.84 * H, H)))[0]
        obj, w, h = ("stall", 40.0, 22.0) if kind == "street_vending" else ("garbage", 30.0, 14.0)
        return [SceneObject(obj, u * W, y0 + 2, w, h, t0=start, t1=end)]
    if kind == "crowd":
        n = 30
        return [
            SceneObject(
                "crowd",
                0.15 * W,
                0.45 * H,
                0.5 * W,
                0.3 * H,
                t0=start,
                t1=end,
                grow_s=300.0,
                count=n,
            )
        ]
    if kind == "floating_debris":
        # a river carrying rubbish: a piece every DEBRIS_EVERY_S drifting through the view
        # with the current (the pieces near `around`, the look's time)
        y0, y1 = lay.get("water", (0.32 * H, 0.8 * H))
        first = max(0, math.floor((around - start - 2 * DEBRIS_CROSS_S) / DEBRIS_EVERY_S))
        out = []
        for k in range(first, first + math.ceil(2 * DEBRIS_CROSS_S / DEBRIS_EVERY_S) + 2):
            t0 = start + k * DEBRIS_EVERY_S
            if t0 >= end or t0 > around + 10:
                break
            piece = np.random.default_rng([seed, k])
            w, h = float(piece.uniform(10, 18)), float(piece.uniform(6, 10))
            out.append(
                SceneObject(
                    "debris",
                    -w,
                    float(piece.uniform(y0 + 6, y1 - h - 6)),
                    w,
                    h,
                    t0=t0,
                    t1=min(end, t0 + DEBRIS_CROSS_S),
                    vx=(W + w) / DEBRIS_CROSS_S,
                )
            )
        return out
    if kind == "intrusion":
        x0, x1 = lay.get("track_x", (0.36 * W, 0.64 * W))
        return [
            SceneObject(
                "intruder", float(rng.uniform(x0, x1 - 8)), 0.55 * H, 7.0, 18.0, t0=start, t1=end
            )
        ]
    return []


def _distractors(scene: str, t: float, rng: np.random.Generator) -> list[SceneObject]:
    """Look-alikes an empty view may hold when it is glanced at."""
    pick = int(rng.integers(4))
    if scene == "street" and pick == 0:
        return [SceneObject("red_car", -42, 0.7 * H, 40, 16, t0=t - 1, vx=20.0)]
    if pick == 1:
        return [
            SceneObject(
                "person", float(rng.uniform(20, 290)), 0.75 * H, 7, 18, t0=t - 60, t1=t + 60
            )
        ]
    return []
