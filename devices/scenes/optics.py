"""Optics and haze: fog over a view, meteorological visibility, apparent sizes at a distance
and a tower camera's zoomed view of a far fire (Koschmieder's contrast law)."""

from __future__ import annotations

import math

import numpy as np

from devices.scenes.canvas import layout
from devices.scenes.spec import SceneObject, SceneSpec


def haze(img: np.ndarray, fog: float, thermal: bool) -> np.ndarray:
    """Fog/haze: blend toward a light grey, thicker toward the top of the view (farther)."""
    h = img.shape[0]
    f = fog * (0.25 if thermal else 0.65)  # long-wave infrared sees through haze better
    ramp = (f * np.linspace(1.0, 0.7, h, dtype=np.float32))[:, None, None]
    grey = 90.0 if thermal else 205.0
    return (img.astype(np.float32) * (1 - ramp) + grey * ramp).astype(np.uint8)


def visibility_km(fog: float) -> float:
    """Meteorological visibility for a fog/haze level: 30 km clear air down to 1 km at 1."""
    return 30.0 * (1.0 / 30.0) ** min(1.0, max(0.0, fog))


def apparent_size_px(size_m: float, distance_m: float, hfov_deg: float, width: int) -> float:
    """Pixels spanned by size_m at distance_m with a horizontal field of view hfov_deg."""
    return size_m / (2.0 * distance_m * math.tan(math.radians(hfov_deg) / 2.0)) * width


def tower_view(
    distance_m: float,
    plume_height_m: float,
    *,
    hfov_deg: float = 8.0,
    width: int = 320,
    height: int = 240,
    scene: str = "forest",
    night: bool = False,
    fog: float = 0.0,
    seed: int = 0,
    distractors: bool = False,
) -> SceneSpec:
    """A tower (high-point) camera zoomed onto a far fire: a plume of plume_height_m at
    distance_m appears plume_height_m / (2 d tan(hfov/2)) * width pixels tall. Contrast falls
    as exp(-3.912 d / V) with the visibility V of the haze (Koschmieder); at night the camera
    is in thermal mode. plume_height_m == 0 gives an empty view (false-alarm checks)."""
    if scene not in ("forest", "farmland"):
        raise ValueError("tower views are of forest or farmland")
    rng = np.random.default_rng([seed, 8100])
    lay = layout(scene, width, height)
    objects: list[SceneObject] = []
    # long-wave infrared (the night/thermal mode) sees through haze far better than visible
    # light: taken as four times the visibility
    vis = visibility_km(fog) * (4.0 if night else 1.0)
    contrast = math.exp(-3.912 * (distance_m / 1000.0) / vis)
    if plume_height_m > 0:
        ph = max(1.0, apparent_size_px(plume_height_m, distance_m, hfov_deg, width))
        pw = max(1.0, 0.45 * ph)
        horizon = lay["canopy"][0] if scene == "forest" else lay["fields"][0]
        ground = horizon + float(rng.uniform(0.05, 0.25)) * height
        x = float(rng.uniform(0.2, 0.8)) * width
        objects.append(
            SceneObject(
                "fire",
                x,
                ground - ph,
                pw,
                ph,
                t0=float(rng.uniform(1, 3)),
                grow_s=float(rng.uniform(4, 10)),
                contrast=contrast,
            )
        )
    if distractors:
        cy = float(rng.uniform(0.02, 0.15)) * height
        objects.append(
            SceneObject(
                "cloud",
                float(rng.uniform(0, 0.6)) * width,
                cy,
                0.3 * width,
                0.1 * height,
                vx=1.5 * width / 320,
                contrast=contrast,
            )
        )
        objects.append(
            SceneObject(
                "steam",
                float(rng.uniform(0.1, 0.9)) * width,
                lay["sky"][1] + 0.05 * height,
                0.04 * width,
                0.1 * height,
                t0=float(rng.uniform(1, 3)),
                contrast=contrast,
            )
        )
    return SceneSpec(
        scene,
        seed,
        width,
        height,
        night=night,
        fog=0.3 * fog,
        thermal=night,
        objects=tuple(objects),
    )
