"""Video cameras: fixed street cameras (视频监控, 雪亮工程) and tower cameras (高点监控 /
高空瞭望).

As fleets they report their health like any device (stream up, bitrate; a tower also its pan
angle and completed sweeps, and whether it is in thermal mode). Their pictures are not
readings: `sim.camera_feed` renders frames of what is in view (devices/scenes.py) when a
camera needs one, and the camera's edge gateway runs the video analytics (edge/vision.py).

Geometry, in the world's metre frame: a fixed camera looks along `heading_deg` with a
horizontal field of view `fov_deg` out to `range_m`. A tower camera on a mast of `height_m`
pans a full circle every `sweep_s` seconds with a narrow field of view `hfov_deg` (zoomed
in, as tower cameras patrol) and watches out to `radius_m`; each bearing is in its view for
sweep_s x hfov / 360 seconds per sweep. At night it switches to thermal imaging.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from devices.base import DeviceKind, Fleet, Metric

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
)
CAMERA_KINDS = ("camera", "tower_camera")
DAY_START_S, DAY_END_S = 6 * 3600, 19 * 3600  # tower cameras go thermal outside these


class CameraFleet(Fleet):
    """Params (defaults): fov_deg (70), range_m (80: how far the analytics can tell a stall or
    a parked car), bitrate_kbps (4096), scene ("street": street, square or river),
    analytics (street and square: fire_smoke, illegal_parking, street_vending,
    exposed_garbage; floating_debris and fire_smoke on a river; add crowd where crowds
    gather, e.g. squares), stream_drop_p (0.002: chance a status report
    finds the stream down for a moment: 视频丢失), look_s (60: seconds between looks while
    something may be in view, for the first `eager_looks` (5) of a session), watch_s (300:
    between looks after that, and while an event is open), idle_per_h (0.2: looks per hour at
    a view with nothing known in it, where look-alikes can still fool the analytics),
    video (a file path, relative to the scenario, or an RTSP/HTTP URL: the camera watches
    that footage instead of rendered scenes, looking every `look_s` while it lasts) and
    video_start_s (0: run time of the footage's first frame).
    See sim/camera_feed.py for how looks are taken."""

    KIND = CAMERA
    DEFAULT_ANALYTICS = ("fire_smoke", "illegal_parking", "street_vending", "exposed_garbage")

    def _setup(self) -> None:
        self.heading_deg = self.rng.uniform(0.0, 360.0, self.n)
        self.fov_deg = self.uniform("fov_deg", float(self.param("fov_deg", 70.0)))
        self.range_m = self.uniform("range_m", float(self.param("range_m", 80.0)))
        self.bitrate = self.spread(self.param("bitrate_kbps", 4096), 0.1)
        self.scene = str(self.param("scene", "street"))
        default = (
            ("floating_debris", "fire_smoke") if self.scene == "river" else self.DEFAULT_ANALYTICS
        )
        self.analytics = tuple(self.param("analytics", default))
        self.idle_per_h = float(self.param("idle_per_h", 0.2))
        self.stream_drop_p = float(self.param("stream_drop_p", 0.002))

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


class TowerCameraFleet(Fleet):
    """Params (defaults): height_m ([30, 60]), radius_m (3000), sweep_s (120: a full turn;
    real deployments sweep every 1-3 min), hfov_deg (8: zoomed in while patrolling),
    scene ("forest": forest, farmland, rail or river), analytics (fire_smoke, land_change,
    intrusion), stream_drop_p (0.002), idle_per_h (looks per hour at sectors with nothing
    known in them), sector_scenes ({area: scene}: presets whose middle lies in a named
    area of the scenario see that scene instead, e.g. a forest tower's presets over fields
    see farmland, so a fire there is filed as 秸秆焚烧). The edge locates a target from the
    pan angle and the image row (edge.camera_analytics.TowerOptics)."""

    KIND = TOWER

    def _setup(self) -> None:
        self.height_m = self.uniform("height_m", [30.0, 60.0])
        self.radius_m = self.uniform("radius_m", float(self.param("radius_m", 3000.0)))
        self.sweep_s = self.uniform("sweep_s", float(self.param("sweep_s", 120.0)))
        self.hfov_deg = self.uniform("hfov_deg", float(self.param("hfov_deg", 8.0)))
        self.phase_deg = self.rng.uniform(0.0, 360.0, self.n)
        self.scene = str(self.param("scene", "forest"))
        self.analytics = tuple(self.param("analytics", ("fire_smoke", "land_change", "intrusion")))
        self.stream_drop_p = float(self.param("stream_drop_p", 0.002))

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
