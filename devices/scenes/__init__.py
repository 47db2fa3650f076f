"""Synthetic camera scenes: labelled frames for the edge video analytics, drawn with OpenCV.

No camera footage or dataset ships with the project (see shared/reference: none exists offline
for fire, parking or crowds), so the analytics are developed and scored on rendered scenes whose
ground truth is known. A `SceneSpec` fixes a camera view (street, square, river, forest,
farmland, rail), its conditions (night, fog, thermal tower mode, partial occlusion, background
traffic) and the objects that come and go in it; `render(spec, t)` is a pure function of the
spec and the clip time: the textured background is cached per (kind, seed, size, night,
thermal) and everything that moves or flickers is seeded from (seed, object, t).

A 320x240 frame takes about a millisecond. Sizes are in pixels, times in clip seconds.
"""

from devices.scenes.canvas import band_polygon, default_zones, layout
from devices.scenes.optics import apparent_size_px, tower_view, visibility_km
from devices.scenes.render import object_label, render
from devices.scenes.spec import (
    CROWD_MIN_PEOPLE,
    OBJECT_KINDS,
    SCENE_KINDS,
    Frame,
    Label,
    SceneObject,
    SceneSpec,
)

__all__ = [
    "CROWD_MIN_PEOPLE",
    "OBJECT_KINDS",
    "SCENE_KINDS",
    "Frame",
    "Label",
    "SceneObject",
    "SceneSpec",
    "apparent_size_px",
    "band_polygon",
    "default_zones",
    "layout",
    "object_label",
    "render",
    "tower_view",
    "visibility_km",
]
