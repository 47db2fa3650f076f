"""Rendering a frame: the background, background traffic and water, each object (through its
family's drawing), occluders, haze, sensor noise, and the ground-truth labels."""

from __future__ import annotations

import math

import cv2
import numpy as np

from devices.scenes.canvas import background, layout, noise_tiles, seeded_rng, wave_texture
from devices.scenes.distractors import DISTRACTORS
from devices.scenes.draw import (
    CAR_COLOURS,
    CLOTHES,
    RED_COLOURS,
    Ctx,
    crowd_people,
    draw_car,
    draw_person,
    person_size,
    pt,
)
from devices.scenes.fire import draw_fire
from devices.scenes.optics import haze
from devices.scenes.spec import CROWD_MIN_PEOPLE, LABEL_OF, Frame, Label, SceneObject, SceneSpec
from devices.scenes.targets import draw_building, draw_debris, draw_garbage, draw_stall


def draw_object(img: np.ndarray, obj: SceneObject, idx: int, ctx: Ctx) -> None:
    """Draw object `idx` of the scene as it is at the context's time."""
    t, k = ctx.t, obj.kind
    box = obj.box(t)
    x, y, w, h = box
    moving = obj.vx != 0 or obj.vy != 0
    if k in ("car", "red_car"):
        palette = RED_COLOURS if k == "red_car" else CAR_COLOURS
        pick = obj.style if obj.style >= 0 else ctx.spec.seed + idx * 3
        colour = palette[pick % len(palette)]
        draw_car(img, box, colour, ctx, moving)
    elif k in ("person", "intruder"):
        step = int(t * 2) if moving else 0
        pick = obj.style if obj.style >= 0 else ctx.spec.seed + idx
        draw_person(img, x, y, w, h, CLOTHES[pick % len(CLOTHES)], step, ctx)
    elif k == "crowd":
        pw, ph = person_size(ctx)
        for px, py, ci in crowd_people(obj, idx, ctx):
            draw_person(img, px, py, pw, ph, CLOTHES[ci], 0, ctx)
    elif k in ("fire", "flame", "smoke"):
        draw_fire(img, obj, box, idx, ctx)
    elif k in DISTRACTORS:
        DISTRACTORS[k](img, obj, box, idx, ctx)
    elif k == "stall":
        draw_stall(img, box, idx, ctx)
    elif k == "garbage":
        draw_garbage(img, box, idx, ctx)
    elif k == "debris":
        draw_debris(img, box, idx, ctx)
    elif k == "building":
        draw_building(img, obj, box, idx, ctx)


def draw_traffic(img: np.ndarray, ctx: Ctx) -> None:
    """Background traffic, a pure function of (seed, t): cars in both street lanes, walkers
    crossing a square, people on the river path, a tractor on a farm track."""
    spec, t, s = ctx.spec, ctx.t, ctx.s
    n = round(spec.background_traffic)
    if n <= 0:
        return
    rng = seeded_rng(spec.seed, 7800)
    W, H = spec.width, spec.height
    lay = layout(spec.kind, W, H)
    for i in range(n):
        walker = spec.kind == "street" and i % 3 == 2  # pedestrians on the sidewalks
        if spec.kind in ("street", "farmland") and not walker:
            lane = ("lane_a", "lane_b")[i % 2] if spec.kind == "street" else "fields"
            y0, y1 = lay[lane]
            cw, ch = float(rng.uniform(34, 46)) * s, float(rng.uniform(15, 19)) * s
            v = float(rng.uniform(15, 40)) * s * (1 if i % 2 == 0 else -1)
            y = float(rng.uniform(y0, max(y0 + 1, y1 - ch)))
            if spec.kind == "farmland":
                v *= 0.3
            span = W + 2 * cw
            x = (float(rng.uniform(0, span)) + v * t) % span - cw
            colour = (CAR_COLOURS + RED_COLOURS[:1])[int(rng.integers(len(CAR_COLOURS) + 1))]
            draw_car(img, (x, y, cw, ch), colour, ctx, True)
        else:
            pw, ph = person_size(ctx)
            ang = float(rng.uniform(0, 2 * math.pi))
            v = float(rng.uniform(8, 20)) * s
            vx, vy = v * math.cos(ang), v * math.sin(ang)
            if spec.kind in ("river", "rail"):  # along the bank or the path beside the line
                vy = 0.0 if spec.kind == "river" else v * (1 if i % 2 else -1)
                vx = v * (1 if i % 2 else -1) if spec.kind == "river" else 0.0
            x0, y0 = float(rng.uniform(0, W)), float(rng.uniform(0, H - ph))
            if spec.kind == "river":
                y0 = float(rng.uniform(lay["near_bank"][0], H - ph))
            if spec.kind == "rail":
                x0 = lay["track_x"][0] - 28 * s if i % 2 else lay["track_x"][1] + 18 * s
            if walker:
                vx, vy = v * (1 if i % 2 else -1), 0.0
                walk = lay["upper_walk"] if i % 2 else lay["lower_walk"]
                y0 = float(rng.uniform(walk[0] - 0.5 * ph, walk[1] - ph))
            # walkers leave on one side and come back on the other
            x = (x0 + vx * t) % (W + pw) - pw if vx else x0
            y = (y0 + vy * t) % (H + ph) - ph if vy else y0
            draw_person(
                img, x, y, pw, ph, CLOTHES[int(rng.integers(len(CLOTHES)))], int(t * 2), ctx
            )


def draw_water(img: np.ndarray, ctx: Ctx) -> None:
    """Ripples sliding downstream and sun/lamp glints in random places every frame."""
    spec = ctx.spec
    y0, y1 = (round(v) for v in layout("river", spec.width, spec.height)["water"])
    amp = (3.0 + 9.0 * spec.waves) * (0.4 if ctx.night or ctx.thermal else 1.0)
    tex = wave_texture(spec.width, y1 - y0, spec.seed)
    off = int(6 * ctx.s * ctx.t) % spec.width
    ripple = (tex[:, off : off + spec.width] * amp).astype(np.int16)
    region = img[y0:y1].astype(np.int16) + ripple[:, :, None]
    img[y0:y1] = np.clip(region, 0, 255).astype(np.uint8)
    if ctx.thermal:
        return
    rng = seeded_rng(spec.seed, 7900, ctx.t)
    n = int((8 + 60 * spec.waves) * ctx.s * ctx.s)
    xs = rng.integers(0, spec.width - 1, n)
    ys = rng.integers(y0, y1 - 1, n)
    glint = 170 if ctx.night else 245
    img[ys, xs] = glint
    img[ys, xs + 1] = glint


def draw_occluders(img: np.ndarray, ctx: Ctx) -> None:
    """A fixed foreground occluder (hedge, wall, pole) in front of each target object, covering
    `occlusion` of it: the bottom of a fire (a wall hides the base), one side of anything else.
    It is there for the whole clip, so it is part of the background for the analytics."""
    spec = ctx.spec
    f = spec.occlusion
    for idx, obj in enumerate(spec.objects):
        if obj.kind not in LABEL_OF and obj.kind != "car":
            continue
        rng = seeded_rng(spec.seed, 8000 + idx)
        colour = [(45, 85, 50), (120, 122, 128), (70, 80, 95)][int(rng.integers(3))]
        colour = ctx.col(colour, 60)
        x, y, w, h = obj.x, obj.y, obj.w, obj.h
        if obj.kind in ("fire", "flame", "smoke"):
            cv2.rectangle(
                img, pt(x - 0.2 * w, y + h * (1 - f)), pt(x + 1.2 * w, y + h + 2), colour, -1
            )
        elif obj.vx == 0 and obj.vy == 0:
            cv2.rectangle(img, pt(x - 1, y - 0.1 * h), pt(x + f * w, y + 1.1 * h), colour, -1)
        else:  # a moving target passes behind a pole/hedge at its starting place
            cv2.rectangle(
                img, pt(x + w, y - 0.1 * h), pt(x + w + f * 2 * w, y + 1.1 * h), colour, -1
            )


# ---------------------------------------------------------------------------------- labels


def _clip_box(box: tuple[float, ...], w: int, h: int) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[0] + box[2])), min(h, math.ceil(box[1] + box[3]))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return x0, y0, x1 - x0, y1 - y0


def object_label(spec: SceneSpec, index: int, t: float) -> Label | None:
    """Ground truth for object `index` of the spec at t, or None (absent, a distractor, a
    moving car, a group too small to be a crowd, or out of view)."""
    obj = spec.objects[index]
    if not obj.alive(t):
        return None
    if obj.kind in ("car", "red_car"):
        kind = "parked_car" if obj.vx == 0 and obj.vy == 0 else None
    else:
        kind = LABEL_OF.get(obj.kind)
    if kind is None:
        return None
    box: tuple[float, ...] = obj.box(t)
    if obj.kind in ("fire", "smoke"):  # the drawn plume billows a little beyond its box
        x, y, w, h = box
        box = (x - 0.2 * w, y - 0.15 * h, 1.4 * w, 1.15 * h)
    if obj.kind == "crowd":
        ctx = Ctx(spec, t)
        people = crowd_people(obj, index, ctx)
        if len(people) < CROWD_MIN_PEOPLE:
            return None
        pw, ph = person_size(ctx)
        xs = [p[0] for p in people]
        ys = [p[1] for p in people]
        box = (min(xs), min(ys), max(xs) + pw - min(xs), max(ys) + ph - min(ys))
    clipped = _clip_box(box, spec.width, spec.height)
    return Label(kind, clipped) if clipped is not None else None


def _labels(spec: SceneSpec, t: float) -> list[Label]:
    out = []
    for idx in range(len(spec.objects)):
        label = object_label(spec, idx, t)
        if label is not None:
            out.append(label)
    return out


def render(spec: SceneSpec, t: float) -> Frame:
    """The frame of `spec` at clip time t (seconds) with its ground-truth labels."""
    img = background(spec.kind, spec.seed, spec.width, spec.height, spec.night, spec.thermal).copy()
    ctx = Ctx(spec, t)
    if spec.kind == "river":
        draw_water(img, ctx)
    draw_traffic(img, ctx)
    for idx, obj in enumerate(spec.objects):
        if not obj.alive(t):
            continue
        if obj.contrast < 1.0:  # far field: the atmosphere veils it (Koschmieder)
            before = img.copy()
            draw_object(img, obj, idx, ctx)
            # apparent contrast against the background falls to `contrast` of the inherent one
            diff = img.astype(np.float32) - before
            img[:] = np.clip(before + obj.contrast * diff, 0, 255).astype(np.uint8)
        else:
            draw_object(img, obj, idx, ctx)
    if spec.occlusion > 0:
        draw_occluders(img, ctx)
    if spec.fog > 0:
        img = haze(img, spec.fog, spec.thermal)
    tiles = noise_tiles(spec.width, spec.height, spec.seed)
    k = (round(t * 1000) * 2654435761 + spec.seed) % 8
    img = cv2.subtract(cv2.add(img, tiles[2 * k]), tiles[2 * k + 1])
    if spec.thermal:  # one sensor plane: keep the channels equal
        img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return Frame(img, t, _labels(spec, t))
