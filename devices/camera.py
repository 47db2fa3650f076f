"""Video cameras: fixed street cameras (视频监控, 雪亮工程) and tower cameras (高点监控 /
高空瞭望).

As fleets they report their health like any device (stream up, bitrate; a tower also its pan
angle and completed sweeps, and whether it is in thermal mode). Their pictures are not
readings: `sim.world.camera_feed` renders frames of what is in view (devices/scenes/) when a
camera needs one, and the camera's edge gateway runs the video analytics (edge/vision/).

Geometry, in the world's metre frame: a fixed camera looks along `heading_deg` with a
horizontal field of view `fov_deg` out to `range_m`. A tower camera on a mast of `height_m`
pans a full circle every `sweep_s` seconds with a narrow field of view `hfov_deg` (zoomed
in, as tower cameras patrol) and watches out to `radius_m`; each bearing is in its view for
sweep_s x hfov / 360 seconds per sweep. At night it switches to thermal imaging.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from devices.base import DeviceKind, Fleet, Metric
from devices.params import Int, NonNeg, Number, Params, Positive, PositiveOrRange, Share

# The analytics an edge gateway can run on a camera's frames (edge.vision.ANALYTICS).
Analytic = Literal[
    "fire_smoke",
    "illegal_parking",
    "crowd",
    "street_vending",
    "floating_debris",
    "exposed_garbage",
    "intrusion",
    "land_change",
]
STREET_ANALYTICS = ("fire_smoke", "illegal_parking", "street_vending", "exposed_garbage")
RIVER_ANALYTICS = ("floating_debris", "fire_smoke")


class CameraParams(Params):
    """A fixed camera's view, analytics and how often it looks (see sim/world/camera_feed.py)."""

    fov_deg: PositiveOrRange = Field(70.0, description="horizontal field of view, °")
    range_m: PositiveOrRange = Field(
        80.0, description="how far the analytics can tell a stall or a parked car, m"
    )
    bitrate_kbps: Positive = Field(4096.0, description="stream bitrate (per-camera spread)")
    scene: Literal["street", "square", "river"] = Field("street", description="what it sees")
    analytics: tuple[Analytic, ...] | None = Field(
        None,
        description="analytics its gateway runs (default: fire_smoke, illegal_parking, "
        "street_vending, exposed_garbage; floating_debris and fire_smoke on a river); add "
        "crowd where crowds gather",
    )
    stream_drop_p: Share = Field(
        0.002, description="chance a status report finds the stream down (视频丢失)"
    )
    look_s: Positive = Field(
        60.0, description="seconds between looks while something may be in view (eager looks)"
    )
    watch_s: Positive = Field(
        300.0, description="seconds between looks after the eager ones, and while an event is open"
    )
    eager_looks: Int = Field(5, ge=0, description="looks of a session taken every look_s")
    idle_per_h: NonNeg = Field(
        0.2, description="looks an hour at a view with nothing known in it (false alarms)"
    )
    video: str | None = Field(
        None,
        description="a video file (relative to the scenario) or an RTSP/HTTP URL to watch "
        "instead of rendered scenes",
    )
    video_start_s: Number = Field(0.0, description="run time of the footage's first frame, s")

    @model_validator(mode="after")
    def _analytics_by_scene(self) -> CameraParams:
        if self.analytics is not None:
            return self
        default = RIVER_ANALYTICS if self.scene == "river" else STREET_ANALYTICS
        return self.model_copy(update={"analytics": default})


class TowerCameraParams(Params):
    """A tower camera's mast, sweep and analytics (see sim/world/camera_feed.py)."""

    height_m: PositiveOrRange = Field((30.0, 60.0), description="mast height, m (or [lo, hi])")
    radius_m: PositiveOrRange = Field(3000.0, description="how far it watches, m")
    sweep_s: PositiveOrRange = Field(
        120.0, description="seconds for a full turn (real deployments: 1-3 min)"
    )
    hfov_deg: PositiveOrRange = Field(8.0, description="zoomed field of view while patrolling, °")
    scene: Literal["forest", "farmland", "rail", "river"] = Field(
        "forest", description="the land it watches"
    )
    analytics: tuple[Analytic, ...] = Field(
        ("fire_smoke", "land_change", "intrusion"), description="analytics its gateway runs"
    )
    stream_drop_p: Share = Field(
        0.002, description="chance a status report finds the stream down (视频丢失)"
    )
    idle_per_h: NonNeg = Field(
        2.0, description="looks an hour at sectors with nothing known in them"
    )
    watch_every: Int = Field(
        5, ge=1, description="while an event is open in a sector, look every n-th pass"
    )
    sector_scenes: dict[str, str] = Field(
        {},
        description="{area: scene}: presets whose middle lies in a named area see that scene "
        "(forest, farmland, rail), e.g. fields seen from a forest tower",
    )


CAMERA = DeviceKind(
    name="camera",
    name_zh="视频监控摄像机",
    name_en="Street camera",
    id_prefix="CAM",
    metrics=(
        Metric("stream_ok", "", "视频流正常", "Video stream up", 0, 1, 0),
        Metric("bitrate_kbps", "kbit/s", "码率", "Stream bitrate", 0, 16000, 0),
    ),
    senses=(),
    alarms=(
        "烟火 smoke and fire",
        "违停 illegal parking",
        "占道经营 street vending",
        "暴露垃圾 exposed garbage",
        "高密人群 crowd density",
        "漂浮物 floating debris",
    ),
    params=CameraParams,
)
TOWER = DeviceKind(
    name="tower_camera",
    name_zh="高点监控摄像机",
    name_en="Tower camera",
    id_prefix="TWR",
    metrics=(
        Metric("stream_ok", "", "视频流正常", "Video stream up", 0, 1, 0),
        Metric("azimuth_deg", "°", "云台方位角", "Pan angle", 0, 360, 1),
        Metric("sweeps", "", "累计巡视圈数", "Completed sweeps", 0, 1e9, 0),
        Metric("thermal", "", "热成像模式", "Thermal mode", 0, 1, 0),
    ),
    senses=(),
    alarms=(
        "森林火情/秸秆焚烧 fire points and smoke",
        "违法占地/违建 land-use change",
        "铁路沿线入侵 rail-line intrusion",
    ),
    params=TowerCameraParams,
)
CAMERA_KINDS = ("camera", "tower_camera")
DAY_START_S, DAY_END_S = 6 * 3600, 19 * 3600  # tower cameras go thermal outside these


class CameraFleet(Fleet[CameraParams]):
    """Fixed cameras: stream health as readings; their views, analytics and looks come from
    `CameraParams` (see sim/world/camera_feed.py for how looks are taken)."""

    KIND = CAMERA

    def _setup(self) -> None:
        p = self.params
        self.heading_deg = self.rng.uniform(0.0, 360.0, self.n)
        self.fov_deg = self.draw(p.fov_deg)
        self.range_m = self.draw(p.range_m)
        self.bitrate = self.spread(p.bitrate_kbps, 0.1)
        self.scene = p.scene
        self.analytics: tuple[str, ...] = p.analytics or ()  # filled by scene when not given
        self.idle_per_h = p.idle_per_h
        self.stream_drop_p = p.stream_drop_p

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        # Night scenes are darker and noisier: the encoder spends a little more.
        night = (cond["tod_s"] < DAY_START_S) | (cond["tod_s"] >= DAY_END_S)
        rate = self.bitrate[idx] * (1.0 + 0.15 * night) * (1.0 + self.noise(0.05, idx.size))
        up = self.rng.random(idx.size) >= self.stream_drop_p
        return {"stream_ok": up.astype(float), "bitrate_kbps": rate * up}

    def sees(self, i: int, dx: float, dy: float) -> bool:
        """Whether a point (dx, dy) metres from camera i is in its view."""
        dist = float(np.hypot(dx, dy))
        if dist > self.range_m[i]:
            return False
        return abs(bearing_offset(dx, dy, float(self.heading_deg[i]))) <= self.fov_deg[i] / 2


class TowerCameraFleet(Fleet[TowerCameraParams]):
    """Tower cameras: pan angle, sweeps, thermal mode and stream health as readings; mast,
    sweep and analytics from `TowerCameraParams`. The edge locates a target from the pan angle
    and the image row (edge.camera_analytics.TowerOptics)."""

    KIND = TOWER

    def _setup(self) -> None:
        p = self.params
        self.height_m = self.draw(p.height_m)
        self.radius_m = self.draw(p.radius_m)
        self.sweep_s = self.draw(p.sweep_s)
        self.hfov_deg = self.draw(p.hfov_deg)
        self.phase_deg = self.rng.uniform(0.0, 360.0, self.n)
        self.scene = p.scene
        self.analytics: tuple[str, ...] = p.analytics
        self.stream_drop_p = p.stream_drop_p

    def azimuth(self, i: int | np.ndarray, t: float | np.ndarray) -> np.ndarray:
        """Pan angle (degrees clockwise from north) of tower(s) i at time(s) t."""
        return np.mod(self.phase_deg[i] + 360.0 * np.asarray(t) / self.sweep_s[i], 360.0)

    def passes(self, i: int, bearing_deg: float, t0: float, t1: float) -> np.ndarray:
        """Times in [t0, t1) when tower i looks straight at `bearing_deg`."""
        period = float(self.sweep_s[i])
        # azimuth(t) = phase + 360 t / period = bearing (mod 360)
        first = ((bearing_deg - self.phase_deg[i]) % 360.0) / 360.0 * period
        k0 = np.ceil((t0 - first) / period)
        times = first + period * np.arange(k0, k0 + np.ceil((t1 - t0) / period) + 1)
        return times[(times >= t0) & (times < t1)]

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        tod = cond["tod_s"]
        return {
            "stream_ok": (self.rng.random(idx.size) >= self.stream_drop_p).astype(float),
            "azimuth_deg": self.azimuth(idx, t),
            "sweeps": np.floor(
                (self.phase_deg[idx] / 360.0 * self.sweep_s[idx] + t) / self.sweep_s[idx]
            ),
            "thermal": ((tod < DAY_START_S) | (tod >= DAY_END_S)).astype(float),
        }


def bearing_deg(dx: float | np.ndarray, dy: float | np.ndarray) -> np.ndarray:
    """Compass bearing (degrees clockwise from north) of an offset (east, north)."""
    return np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)


def bearing_offset(dx: float, dy: float, heading_deg: float) -> float:
    """Signed angle (degrees, -180..180, positive to the right) of an offset from a heading."""
    return float((bearing_deg(dx, dy) - heading_deg + 180.0) % 360.0 - 180.0)
