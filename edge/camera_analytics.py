"""A camera's video analytics at its edge gateway: frames in, edge events out.

A camera is not analysed frame by frame all day: it takes a *look* when it needs one, a
burst of a few frames at the analytics' rate (a fixed camera while something may be in view,
a tower camera each time its sweep passes a preset). Each *view* (a fixed camera's one view,
or one preset sector of a tower) keeps its analytics between looks, so their background
models remember what the view normally looks like and a new stall, car or plume stands out.

Analytics that judge motion and flicker (fire and smoke, crowds, intrusion, drifting debris)
see every frame of a look; those that judge what stays put for a dwell time (parking, stalls,
garbage, land change) see every `DWELL_STRIDE`-th frame, about one a second, which is all
they need and a third of the cost.

Debounce and hysteresis work at two levels: within a look an `EventFilter` needs repeated
detections before the look counts; across looks an event is raised by the first look that
counts and cleared after `clear_looks` looks in a row that do not. One raise and one clear
per event, with the raise carrying a JPEG snapshot of the look's evidence frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge.vision import Analytic, EventFilter, Polygon, VisionEvent, make_analytic

Frame = tuple[float, np.ndarray]  # (time in seconds, BGR image)
DWELL_ANALYTICS = frozenset({"illegal_parking", "street_vending", "exposed_garbage", "land_change"})
DWELL_STRIDE = 4
# Analytics that learn the view again after a pause: every look needs lead-in frames.
LEAD_IN_ANALYTICS = frozenset({"floating_debris"})
EARTH_RADIUS_M = 6_371_008.8


@dataclass
class _Open:
    serial: int
    misses: int = 0


@dataclass
class ViewAnalytics:
    """The analytics of one camera view and the events they hold open."""

    names: Sequence[str]
    zones: dict[str, Polygon] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    raise_after: int = 2  # detections within a look ...
    window: int = 4  # ... among this many frames
    clear_looks: int = 2  # looks in a row without, to clear
    analytics: list[Analytic] = field(init=False)
    open: dict[str, _Open] = field(init=False, default_factory=dict)
    looks: int = field(init=False, default=0)
    frames: int = field(init=False, default=0)
    events: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.analytics = [
            make_analytic(n, self.zones, **self.params.get(n, {})) for n in self.names
        ]

    def prime(self, frames: Sequence[Frame]) -> None:
        """Show the analytics what the view looked like before (a preset's reference frames
        from an earlier visit), without judging them."""
        for t, image in frames:
            for analytic in self.analytics:
                analytic.process(image, t)
            self.frames += 1

    def look(self, frames: Sequence[Frame]) -> list[tuple[VisionEvent, int]]:
        """Analyse one look; returns (event, serial) pairs: raised events with their
        snapshot, cleared ones when the look confirms the target has gone. `serial` numbers
        the events of this view, the same for the raise and the clear of one event."""
        self.looks += 1
        out: list[tuple[VisionEvent, int]] = []
        for analytic in self.analytics:
            seen = frames[::DWELL_STRIDE] if analytic.name in DWELL_ANALYTICS else frames
            need = min(self.raise_after, max(1, len(seen) - 1))
            flt = EventFilter(
                need, max(need, min(self.window, len(seen))), clear_after=len(seen) + 1
            )
            raised: VisionEvent | None = None
            last: Frame | None = None
            for t, image in seen:
                for ev in flt.update(image, t, analytic.process(image, t)):
                    if ev.state == "raised" and raised is None:
                        raised = ev
                last = (t, image)
            name = analytic.name
            held = self.open.get(name)
            if raised is not None:
                if held is None:
                    serial = self._serial()
                    self.open[name] = _Open(serial)
                    out.append((raised, serial))
                else:
                    held.misses = 0
            elif held is not None:
                held.misses += 1
                if held.misses >= self.clear_looks and last is not None:
                    del self.open[name]
                    out.append(
                        (VisionEvent(name, "cleared", 0.0, (0, 0, 0, 0), last[0]), held.serial)
                    )
        self.frames += len(frames)
        return out

    def _serial(self) -> int:
        self.events += 1
        return self.events

    @property
    def busy(self) -> bool:
        """An event is open: the camera keeps looking until it clears."""
        return bool(self.open)


# ------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class TowerOptics:
    """A tower camera's optics over flat ground: which image row a target's base sits on at
    a given range, and back. The camera on a mast of `height_m` looks slightly down, with the
    horizon on row `horizon_row` (the top of the ground in the rendered scenes); the vertical
    field of view follows from the horizontal one and the frame's aspect."""

    height_m: float
    hfov_deg: float
    width: int = 320
    height: int = 240
    horizon_row: float = 91.0

    @property
    def deg_per_row(self) -> float:
        return self.hfov_deg / self.width

    def row_for_range(self, range_m: float) -> float:
        depression = math.degrees(math.atan2(self.height_m, max(range_m, 1.0)))
        return self.horizon_row + depression / self.deg_per_row

    def range_for_row(self, row: float) -> float | None:
        """Range (m) to the ground seen on `row`; None at or above the horizon."""
        depression = (row - self.horizon_row) * self.deg_per_row
        if depression <= 0:
            return None
        return self.height_m / math.tan(math.radians(depression))

    def bearing_for_column(self, azimuth_deg: float, x: float) -> float:
        """Compass bearing of image column x when the camera points at `azimuth_deg`."""
        return (azimuth_deg + (x / self.width - 0.5) * self.hfov_deg) % 360.0


def offset_lonlat(
    lon: float, lat: float, bearing_deg: float, range_m: float
) -> tuple[float, float]:
    """The point `range_m` away along `bearing_deg` (equirectangular: fine within tens of km)."""
    k = math.pi * EARTH_RADIUS_M / 180.0
    dx = range_m * math.sin(math.radians(bearing_deg))
    dy = range_m * math.cos(math.radians(bearing_deg))
    return (lon + dx / (k * math.cos(math.radians(lat))), lat + dy / k)


# ------------------------------------------------------------------------------- cameras


@dataclass(frozen=True)
class Look:
    """What a camera captured for one look: `frames` to judge, and `history` (frames of the
    same view from just before, or from the preset's previous visit) to settle the view's
    background models when the view was not being watched. A tower camera says where it was
    pointing (`azimuth_deg`) and, when its presets look at different land, what this one
    shows (`scene`: farmland, forest, rail)."""

    device_id: str
    view: str
    frames: list[Frame]
    history: list[Frame] = field(default_factory=list)
    azimuth_deg: float | None = None
    scene: str | None = None  # what this view shows, when not the camera's scene


@dataclass
class CameraSetup:
    """What the edge knows about one of its cameras: its place and what it watches, the
    analytics it runs and their zones, and (tower cameras) its optics."""

    device_id: str
    lon: float
    lat: float
    scene: str
    analytics: Sequence[str]
    zones: dict[str, Polygon] = field(default_factory=dict)
    optics: TowerOptics | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    view_zones: dict[str, dict[str, Polygon]] = field(default_factory=dict)  # per scene


@dataclass(frozen=True)
class CameraEvent:
    """A debounced detection ready for the wire (see ioc.contract.EdgeEvent)."""

    event_id: str
    device_id: str
    kind: str
    scene: str
    state: str
    t: float
    confidence: float | None
    bbox: tuple[int, int, int, int] | None
    snapshot: bytes | None
    lon: float | None = None
    lat: float | None = None
    bearing_deg: float | None = None
    range_m: float | None = None


class CameraEdge:
    """One camera's analytics at its gateway: a `ViewAnalytics` per view, and (for a tower)
    the target's position from the pan angle, the column and the row of the detection."""

    def __init__(self, setup: CameraSetup, clear_looks: int = 2):
        self.setup = setup
        self.clear_looks = clear_looks
        self.views: dict[str, ViewAnalytics] = {}
        self.looks = 0

    def busy(self, view: str) -> bool:
        v = self.views.get(view)
        return v is not None and v.busy

    def look(self, look: Look) -> list[CameraEvent]:
        s = self.setup
        scene = look.scene or s.scene
        view = self.views.get(look.view)
        if view is None:
            view = self.views[look.view] = ViewAnalytics(
                s.analytics,
                s.view_zones.get(scene, s.zones),
                s.params,
                raise_after=3,
                window=5,
                clear_looks=self.clear_looks,
            )
        if look.history:
            view.prime(look.history)
        self.looks += 1
        out = []
        for ev, serial in view.look(look.frames):
            where: dict[str, float | None] = {}
            if ev.state == "raised" and s.optics is not None and look.azimuth_deg is not None:
                x, y, w, h = ev.bbox
                bearing = s.optics.bearing_for_column(look.azimuth_deg, x + w / 2)
                rng = s.optics.range_for_row(y + h)
                where["bearing_deg"] = round(bearing, 2) % 360.0
                if rng is not None:
                    lon, lat = offset_lonlat(s.lon, s.lat, bearing, rng)
                    where.update(lon=round(lon, 7), lat=round(lat, 7), range_m=round(rng, 1))
            raised = ev.state == "raised"
            out.append(
                CameraEvent(
                    event_id=f"{s.device_id}-{look.view}-{serial}",
                    device_id=s.device_id,
                    kind=ev.kind,
                    scene=scene,
                    state=ev.state,
                    t=ev.t,
                    confidence=round(ev.confidence, 3) if raised else None,
                    bbox=tuple(int(v) for v in ev.bbox) if raised else None,  # type: ignore[arg-type]
                    snapshot=ev.snapshot if raised else None,
                    **where,
                )
            )
        return out
