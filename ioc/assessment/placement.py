"""Greedy tower placement: how many towers of radius r a target coverage of an area needs,
against the lower bounds and against a count stated in a task book.

Method (`plan_coverage`):

1. The area is projected (equal-area, `ioc.assessment.geometry.AreaProjection`) and
   sampled with a square grid of points (`sample_spacing_m`, default r/10, at least ~4 000
   points), each standing for its cell's area.
2. Candidate sites sit on a hexagonal lattice inside the area (`candidate_spacing_m`, default
   r/2). Existing sites, if any, are placed first.
3. Greedy: add the candidate covering the most still-uncovered sample area (lazy evaluation:
   a candidate's gain only shrinks, so a stale gain is an upper bound), until the target is
   reached and the stated count (if any) is placed, or `max_sites`.
4. The fraction after each site is exact: the site's disc, clipped to the area, minus the
   discs already placed near it, measured as polygons. Sampling only steers the choice; when
   every sample is covered but slivers remain, the slivers become samples (and candidates)
   and the greedy goes on.

Greedy set cover is within a factor ln(n) of the optimum and in practice 10–25 % above the
hexagonal tiling on compact areas; the bounds are reported next to it.
"""

from __future__ import annotations

import heapq
import math
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ioc.assessment.coverage import AreaCoverage, coverage_of_area, fmt_km2, stated_arithmetic
from ioc.assessment.geometry import (
    CIRCLE_SEGMENTS,
    AreaProjection,
    Site,
    site_polygons_m,
    viewshed_m,
)

HEX_CELL = 3 * math.sqrt(3) / 2  # area of the hexagon inscribed in a unit circle
MIN_SAMPLES = 4000  # sample at least this finely, whatever the radius
REACHED_TOL = 1e-7  # a fraction this close to the target reaches it (200 m² of 2 000 km²)
SLIVER_SHARE = 1e-9  # blind pieces below this share of the area are noise between polygon edges


@dataclass
class CoveragePlan:
    """The result of `plan_coverage`. Fractions are in [0, 1]; `fractions[k-1]` is the exact
    covered fraction with the first k sites (existing sites first)."""

    area_km2: float
    radius_m: float
    target: float
    sites: list[Site]
    existing: int
    fractions: list[float]
    needed: int | None  # sites (existing included) at which the target is reached
    method: str  # the run kept: "greedy" or "hex-seeded greedy N" (N: lattice offset)
    alternatives: dict[str, int | None]  # every run's count for the target
    lower_bound: int  # ceil(target · A / πr²): no site could do better than a full disc
    hex_count: float  # A / (3√3/2 · r²): the hexagonal tiling's count for 100 %
    max_sites: int
    stated_count: int | None
    stated_fraction: float | None  # the best fraction any run reached with the stated count
    stated_method: str | None  # ... and the run that reached it
    stated_upper_bound: float | None  # min(1, stated · πr² / A)
    stated_arithmetic: str | None
    coverage: AreaCoverage = field(repr=False)  # exact coverage of all placed sites
    sample_spacing_m: float = 0.0
    candidate_spacing_m: float = 0.0
    samples: int = 0
    candidates: int = 0
    elapsed_s: float = 0.0

    @property
    def reached(self) -> bool:
        return self.needed is not None

    @property
    def gap(self) -> str:
        """One line: the stated count against what the greedy needs."""
        pct = _pct(self.target)
        best = self.fractions[-1] if self.fractions else 0.0
        if self.needed is None:
            head = (
                f"greedy did not reach {pct} within {self.max_sites} sites (best {_pct(best, 1)})"
            )
        else:
            head = f"{self.method} needs {self.needed} for {pct}"
        if self.stated_count is None:
            return head
        text = f"stated {self.stated_count}; {head}"
        if self.needed is not None:
            diff = self.needed - self.stated_count
            text += f" ({diff} more)" if diff > 0 else " (the stated count suffices)"
        if self.stated_fraction is not None and self.stated_count:
            text += (
                f"; the best {self.stated_count} found ({self.stated_method}) cover "
                f"{_pct(self.stated_fraction, 1)}"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "area_km2": round(self.area_km2, 4),
            "radius_m": self.radius_m,
            "target": self.target,
            "reached": self.reached,
            "needed": self.needed,
            "method": self.method,
            "alternatives": self.alternatives,
            "existing": self.existing,
            "lower_bound": self.lower_bound,
            "hex_count": round(self.hex_count, 2),
            "max_sites": self.max_sites,
            "stated_count": self.stated_count,
            "stated_fraction": _r(self.stated_fraction),
            "stated_method": self.stated_method,
            "stated_upper_bound": _r(self.stated_upper_bound),
            "stated_arithmetic": self.stated_arithmetic,
            "gap": self.gap,
            "fractions": [round(f, 6) for f in self.fractions],
            "sites": [
                {"id": s.id, "lon": round(s.lon, 7), "lat": round(s.lat, 7), "radius_m": s.radius_m}
                for s in self.sites
            ],
            "coverage": self.coverage.to_dict(),
            "sampling": {
                "sample_spacing_m": round(self.sample_spacing_m, 1),
                "candidate_spacing_m": round(self.candidate_spacing_m, 1),
                "samples": self.samples,
                "candidates": self.candidates,
            },
            "elapsed_s": round(self.elapsed_s, 3),
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _pct(fraction: float, digits: int | None = None) -> str:
    value = 100 * fraction
    if digits is None:
        return f"{value:g} %"
    return f"{value:.{digits}f} %"


def lower_bound(area_m2: float, radius_m: float, target: float) -> int:
    """ceil(target · A / πr²): fewer sites cannot reach the target even without overlap."""
    return math.ceil(target * area_m2 / (math.pi * radius_m**2) - 1e-9)


def hex_count(area_m2: float, radius_m: float) -> float:
    """A / (3√3/2 · r²): sites of the hexagonal tiling (the thinnest covering of the plane by
    discs) for full coverage, ignoring the area's edges."""
    return area_m2 / (HEX_CELL * radius_m**2)


def hex_lattice(geom_m: BaseGeometry, spacing_m: float) -> np.ndarray:
    """Points (n, 2) of a hexagonal lattice with `spacing_m` that lie in a metric geometry."""
    minx, miny, maxx, maxy = geom_m.bounds
    dy = spacing_m * math.sqrt(3) / 2
    rows = np.arange(miny, maxy + dy, dy)
    pts = []
    for k, y in enumerate(rows):
        xs = np.arange(minx + (spacing_m / 2 if k % 2 else 0.0), maxx + spacing_m, spacing_m)
        pts.append(np.column_stack([xs, np.full(len(xs), y)]))
    xy = np.vstack(pts) if pts else np.empty((0, 2))
    shapely.prepare(geom_m)
    return xy[shapely.intersects_xy(geom_m, xy[:, 0], xy[:, 1])]


def _grid_samples(geom_m: BaseGeometry, spacing_m: float) -> np.ndarray:
    minx, miny, maxx, maxy = geom_m.bounds
    xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    shapely.prepare(geom_m)
    return xy[shapely.contains_xy(geom_m, xy[:, 0], xy[:, 1])]


class _Greedy:
    """Samples with weights, candidates with the samples each covers, lazy greedy."""

    def __init__(
        self,
        samples: np.ndarray,
        weights: np.ndarray,
        centres: np.ndarray,
        discs: list[BaseGeometry],
    ):
        self.xy = samples
        self.w = weights
        self.covered = np.zeros(len(samples), dtype=bool)
        self.centres = centres
        self.discs = discs
        self.members: list[np.ndarray] = []
        self._index(discs)
        self.heap: list[tuple[float, int]] = []
        self.rebuild_heap()

    def _index(self, discs: list[BaseGeometry]) -> None:
        """Which samples each new disc contains (one vectorised STRtree query)."""
        tree = shapely.STRtree(shapely.points(self.xy))
        disc_idx, sample_idx = tree.query(np.array(discs, dtype=object), predicate="contains")
        order = np.argsort(disc_idx, kind="stable")
        disc_idx, sample_idx = disc_idx[order], sample_idx[order]
        bounds = np.searchsorted(disc_idx, np.arange(len(discs) + 1))
        self.members += [sample_idx[bounds[k] : bounds[k + 1]] for k in range(len(discs))]

    def gain(self, cand: int) -> float:
        idx = self.members[cand]
        return float(self.w[idx][~self.covered[idx]].sum())

    def rebuild_heap(self) -> None:
        self.heap = [(-self.gain(c), c) for c in range(len(self.members))]
        heapq.heapify(self.heap)

    def best(self) -> int | None:
        """The candidate with the largest gain (ties: lowest index), or None if none gains."""
        while self.heap:
            _, c = heapq.heappop(self.heap)
            g = self.gain(c)
            if g <= 0:
                continue  # gains only shrink: this one is spent for good
            if not self.heap or g >= -self.heap[0][0]:
                return c
            heapq.heappush(self.heap, (-g, c))
        return None

    def take(self, cand: int) -> None:
        self.covered[self.members[cand]] = True

    def cover_with(self, disc: BaseGeometry) -> None:
        """Mark the samples inside a polygon that is not a candidate (an existing site)."""
        inside = shapely.contains_xy(disc, self.xy[:, 0], self.xy[:, 1])
        self.covered |= inside

    def add(
        self,
        samples: np.ndarray,
        weights: np.ndarray,
        centres: np.ndarray,
        new_discs: list[BaseGeometry],
    ) -> None:
        """More samples (slivers) and candidates; every candidate's membership is redone."""
        self.xy = np.vstack([self.xy, samples])
        self.w = np.concatenate([self.w, weights])
        self.covered = np.concatenate([self.covered, np.zeros(len(samples), dtype=bool)])
        self.centres = np.vstack([self.centres, centres])
        self.discs = self.discs + new_discs
        self.members = []
        self._index(self.discs)
        self.rebuild_heap()


@dataclass
class _Run:
    name: str
    sites: list[Site]
    fractions: list[float]
    samples: int
    candidates: int

    def needed(self, target: float) -> int | None:
        return next(
            (k + 1 for k, f in enumerate(self.fractions) if f >= target - REACHED_TOL), None
        )


def hex_cover_points(
    area_m: BaseGeometry, radius_m: float, offset: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Centres (n, 2) inside a metric area of the hexagonal covering by discs of `radius_m`:
    spacing √3·r, shrunk so the inscribed polygons still meet at the triple points.
    `offset` shifts the lattice by fractions of its cell."""
    d = math.sqrt(3) * radius_m * math.cos(math.pi / CIRCLE_SEGMENTS) * (1 - 1e-6)
    minx, miny, maxx, maxy = area_m.bounds
    pts = hex_lattice(shapely.box(minx - d, miny - 2 * d, maxx + d, maxy + 2 * d), d)
    pts = pts + np.array([offset[0] * d, offset[1] * d * math.sqrt(3)])
    shapely.prepare(area_m)
    return pts[shapely.intersects_xy(area_m, pts[:, 0], pts[:, 1])]


def _greedy_run(
    name: str,
    area_m: BaseGeometry,
    proj: AreaProjection,
    radius_m: float,
    stages: list[np.ndarray],
    existing: Sequence[Site],
    samples: np.ndarray,
    target: float,
    goal_count: int,
    limit: int,
) -> _Run:
    """Greedy over the candidates of `stages[0]`; when no candidate adds anything, the next
    stage's candidates join, and at the end blind slivers become samples and candidates."""
    a_m2 = area_m.area
    weights = np.full(len(samples), a_m2 / len(samples))
    first = stages[0]
    greedy = _Greedy(samples, weights, first, [viewshed_m(x, y, radius_m) for x, y in first])
    later = list(stages[1:])
    placed_m: list[BaseGeometry] = []  # view-sheds placed so far (metric)
    placed_xy: list[tuple[float, float]] = []
    placed_r: list[float] = []
    sites: list[Site] = []
    fractions: list[float] = []
    total = 0.0

    def place(site: Site, poly: BaseGeometry, x: float, y: float) -> None:
        nonlocal total
        gain_geom = poly.intersection(area_m)
        if placed_m:  # only view-sheds that can touch this one change its marginal area
            d = np.hypot(
                np.array([p[0] for p in placed_xy]) - x, np.array([p[1] for p in placed_xy]) - y
            )
            near = np.flatnonzero(d < np.array(placed_r) + site.radius_m)
            if len(near):
                gain_geom = gain_geom.difference(shapely.union_all([placed_m[k] for k in near]))
        total += gain_geom.area
        placed_m.append(poly)
        placed_xy.append((x, y))
        placed_r.append(site.radius_m)
        sites.append(site)
        fractions.append(min(1.0, total / a_m2))

    if existing:
        polys = site_polygons_m(list(existing), proj)
        ex, ey = proj.xy([e.lon for e in existing], [e.lat for e in existing])
        for k, e in enumerate(existing):
            place(e, polys[k], float(ex[k]), float(ey[k]))
            greedy.cover_with(polys[k])
        greedy.rebuild_heap()

    def done() -> bool:
        reached = bool(fractions) and fractions[-1] >= target - REACHED_TOL
        return reached and len(sites) >= goal_count

    n = 0
    while len(sites) < limit and not done():
        cand = greedy.best()
        if cand is None:
            if later:
                xy = later.pop(0)
                greedy.add(
                    np.empty((0, 2)), np.empty(0), xy, [viewshed_m(x, y, radius_m) for x, y in xy]
                )
                continue
            if not _add_slivers(greedy, area_m, placed_m, radius_m):
                break  # nothing left uncovered that any site could add
            continue
        greedy.take(cand)
        x, y = float(greedy.centres[cand][0]), float(greedy.centres[cand][1])
        lon, lat = proj.lonlat(x, y)
        n += 1
        place(Site(float(lon), float(lat), radius_m, id=f"P{n:03d}"), greedy.discs[cand], x, y)
    return _Run(name, sites, fractions, len(greedy.xy), len(greedy.discs))


def plan_coverage(
    area: BaseGeometry,
    radius_m: float,
    target: float,
    stated_count: int | None = None,
    max_sites: int | None = None,
    existing: Sequence[Site] = (),
    candidate_spacing_m: float | None = None,
    sample_spacing_m: float | None = None,
    hex_seeded: bool = True,
    area_label: str = "area",
) -> CoveragePlan:
    """Place towers of `radius_m` (sites inside a lon/lat (Multi)Polygon) until `target` (a
    fraction in (0, 1], e.g. 0.95) is covered, and at least `stated_count` sites so the
    stated count can be judged. `max_sites` defaults to 3 × A/πr² + 10 (+ existing).

    Runs the greedy over a fine hexagonal lattice of candidates (spacing r/2) and, with
    `hex_seeded`, over the sites of the hexagonal covering (4 lattice offsets; the fine
    lattice joins once those add nothing), and keeps the run that reaches the target with
    the fewest sites: plain greedy is best for partial targets but leaves many slivers on the
    way to 100 %, where the hexagonal covering is near-optimal.
    """
    t0 = time.perf_counter()
    if not 0 < target <= 1:
        hint = f" (did you mean {target / 100:g}?)" if 1 < target <= 100 else ""
        raise ValueError(f"target is a fraction in (0, 1]; got {target}{hint}")
    if not radius_m > 0:
        raise ValueError("radius_m must be > 0")
    if stated_count is not None and stated_count < 0:
        raise ValueError("stated_count must be >= 0")
    proj = AreaProjection.for_geometry(area)
    area_m = shapely.make_valid(proj.to_m(area))
    a_m2 = area_m.area
    if a_m2 <= 0:
        raise ValueError("the area has no surface (a polygon is needed)")
    disc_m2 = math.pi * radius_m**2
    limit = (
        max_sites if max_sites is not None else (math.ceil(3 * a_m2 / disc_m2) + 10 + len(existing))
    )
    goal_count = stated_count or 0

    s = sample_spacing_m or min(radius_m / 10, math.sqrt(a_m2 / MIN_SAMPLES))
    samples = _grid_samples(area_m, s)
    if len(samples) == 0:  # an area thinner than the grid: sample its representative point
        p = area_m.representative_point()
        samples = np.array([[p.x, p.y]])
    c = candidate_spacing_m or radius_m / 2
    fine = hex_lattice(area_m, c)
    if len(fine) == 0:
        p = area_m.representative_point()
        fine = np.array([[p.x, p.y]])
    runs = [
        _greedy_run(
            "greedy", area_m, proj, radius_m, [fine], existing, samples, target, goal_count, limit
        )
    ]
    if hex_seeded:
        for k, off in enumerate(((0.0, 0.0), (0.5, 0.0), (0.0, 0.25), (0.5, 0.25))):
            seeds = hex_cover_points(area_m, radius_m, off)
            if len(seeds):
                runs.append(
                    _greedy_run(
                        f"hex-seeded greedy {k + 1}",
                        area_m,
                        proj,
                        radius_m,
                        [seeds, fine],
                        existing,
                        samples,
                        target,
                        goal_count,
                        limit,
                    )
                )
    big = len(runs[0].fractions) + limit + 1

    def rank(run: _Run) -> tuple[int, float]:
        need = run.needed(target)
        return (need if need is not None else big, -(run.fractions[-1] if run.fractions else 0))

    best = min(runs, key=rank)  # min keeps the first of equals: plain greedy on a tie
    coverage = coverage_of_area(area, best.sites, proj, area_label)
    stated_fraction = stated_bound = stated_text = stated_method = None
    if stated_count is not None:
        stated_bound, stated_text = stated_arithmetic(
            stated_count, radius_m, a_m2 / 1e6, area_label
        )
        if stated_count == 0:
            stated_fraction = 0.0
        else:  # the best placement any run found for that many sites
            known = [
                (r.fractions[stated_count - 1], r.name)
                for r in runs
                if len(r.fractions) >= stated_count
            ]
            if known:
                stated_fraction, stated_method = max(known, key=lambda k: k[0])
    return CoveragePlan(
        area_km2=a_m2 / 1e6,
        radius_m=radius_m,
        target=target,
        sites=best.sites,
        existing=len(existing),
        fractions=best.fractions,
        needed=best.needed(target),
        method=best.name,
        alternatives={r.name: r.needed(target) for r in runs},
        lower_bound=lower_bound(a_m2, radius_m, target),
        hex_count=hex_count(a_m2, radius_m),
        max_sites=limit,
        stated_count=stated_count,
        stated_fraction=stated_fraction,
        stated_method=stated_method,
        stated_upper_bound=stated_bound,
        stated_arithmetic=stated_text,
        coverage=coverage,
        sample_spacing_m=s,
        candidate_spacing_m=c,
        samples=best.samples,
        candidates=best.candidates,
        elapsed_s=time.perf_counter() - t0,
    )


def _add_slivers(
    greedy: _Greedy, area_m: BaseGeometry, placed_m: list[BaseGeometry], radius_m: float
) -> bool:
    """Blind pieces the sample grid missed become samples (weighted by their area) and
    candidate sites (a tower on the piece covers it). False when there are none."""
    blind = area_m.difference(shapely.union_all(placed_m)) if placed_m else area_m
    pieces = [
        g
        for g in getattr(blind, "geoms", [blind])
        if g.geom_type == "Polygon" and g.area > SLIVER_SHARE * area_m.area
    ]
    if not pieces:
        return False
    pts = shapely.point_on_surface(np.array(pieces, dtype=object))
    xy = shapely.get_coordinates(pts)
    greedy.add(
        xy, np.array([g.area for g in pieces]), xy, [viewshed_m(x, y, radius_m) for x, y in xy]
    )
    return True


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plan_report(plan: CoveragePlan) -> str:
    """Plain-text lines for `citysim plan coverage`."""
    r_km = plan.radius_m / 1000
    disc_km2 = math.pi * r_km**2
    a = plan.area_km2
    cov = plan.coverage
    rows: list[tuple[str, str]] = [
        ("area 面积", f"{fmt_km2(a)} km²"),
        ("radius 半径", f"{r_km:g} km (one site covers π × {r_km:g}² = {disc_km2:.2f} km²)"),
        ("target 目标", _pct(plan.target)),
        (
            "no-overlap bound 下界",
            f"ceil({plan.target:g} × {fmt_km2(a)} / {disc_km2:.2f}) = "
            f"{plan.lower_bound} sites (fewer cannot reach "
            f"{_pct(plan.target)})",
        ),
        (
            "hex tiling 六边形",
            f"{fmt_km2(a)} / (3√3/2 × {r_km:g}²) = {plan.hex_count:.1f} → "
            f"{math.ceil(plan.hex_count - 1e-9)} sites for 100 % "
            "(ignoring edges)",
        ),
    ]
    if plan.needed is not None:
        rows.append(
            (
                "plan 布点",
                f"{plan.needed} sites reach "
                f"{_pct(plan.fractions[plan.needed - 1], 2)} ({plan.method}"
                + (f", {plan.existing} existing" if plan.existing else "")
                + ")",
            )
        )
    else:
        best = plan.fractions[-1] if plan.fractions else 0.0
        rows.append(
            (
                "plan 布点",
                f"target not reached within {plan.max_sites} sites (best {_pct(best, 2)})",
            )
        )
    others = ", ".join(f"{k}: {v if v is not None else '-'}" for k, v in plan.alternatives.items())
    rows.append(("runs 各方案", others))
    rows.append(
        (
            "placed 已布",
            f"{len(plan.sites)} sites cover {fmt_km2(cov.covered_km2)} km² "
            f"({_pct(cov.fraction, 2)}); overlap {fmt_km2(cov.overlap_km2)} km²; blind "
            f"spots {fmt_km2(cov.blind_km2)} km² in {cov.to_dict()['blind_spot_parts']} "
            "parts",
        )
    )
    if plan.stated_count is not None:
        rows.append(("stated 承诺", f"{plan.stated_count} sites: {plan.stated_arithmetic}"))
    rows.append(("gap 差距", plan.gap))
    if plan.fractions:
        step = max(1, len(plan.fractions) // 10)
        marks = sorted({*range(step, len(plan.fractions) + 1, step), len(plan.fractions)})
        rows.append(
            (
                "per count 逐个",
                ", ".join(f"{k}: {100 * plan.fractions[k - 1]:.1f} %" for k in marks),
            )
        )
    rows.append(
        (
            "method 方法",
            f"{plan.samples} samples ({plan.sample_spacing_m:.0f} m grid) "
            f"steer the choice among {plan.candidates} candidates (hexagonal covering, "
            f"{plan.candidate_spacing_m:.0f} m lattice, blind slivers); fractions are "
            "exact on polygons",
        )
    )
    rows.append(("time 用时", f"{plan.elapsed_s:.2f} s"))
    pad = max(_width(k) for k, _ in rows) + 2
    return "\n".join(
        ["Coverage plan 覆盖规划"] + [f"  {k}{' ' * (pad - _width(k))}{v}" for k, v in rows]
    )
