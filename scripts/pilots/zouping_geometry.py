"""Synthetic geometry of the 邹平市 (Zouping, 滨州) pilot pack, written deterministically.

    .venv/bin/python scripts/pilots/zouping_geometry.py

writes into scenarios/pilots/zouping/ (all lon/lat, WGS84):

- county.geojson           the simulated county: an irregular outline scaled to 1 252 km²
                           (邹平's area in public statistics is about 1 251.75 km²)
- grids.geojson            six 单元网格 (`code` property): the outline cut in 3 x 2 cells
- forest.geojson           the southern hill forest (南部山区林地)
- reservoirs.geojson       three reservoirs (水库) in the hills
- river.geojson            a river (河道) flowing north out of the hills (a line)
- hsr.geojson              the high-speed railway (高铁) crossing the county west-east (a line)
- farmland.geojson         the plain's fields (秸秆禁烧区): the county less forest, town, water
- towers-rail.geojson      高点监控 along the railway, every 3 km, 150 m off the track
- towers-forest.geojson    高点监控 of the hex layout that stand in or by the forest
- towers-farmland.geojson  the rest of the hex layout (107 towers in all)
- cameras-water.geojson    fixed river cameras on the reservoir shores (漂浮物 analytics)

The shapes are drawn in km on a Lambert azimuthal equal-area projection centred on
(117.74 E, 36.92 N), the projection the commitments checker measures on, and rounded to
1e-6 degrees. Everything is synthetic: no line here is traced from a map. It prints the
figures the README quotes.
"""

from __future__ import annotations

import math
from pathlib import Path

from geo_common import EqualAreaKm, Feature, hex_sites, scaled, writer
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import unary_union

LON0, LAT0 = 117.74, 36.92
COUNTY_KM2 = 1252.0  # public statistics: about 1 251.75 km²
TOWERS = 107  # ZP-07: 全市建成高点监控 107 处
RAIL_STEP_KM, RAIL_OFFSET_KM = 3.0, 0.15
OUT = Path(__file__).resolve().parents[2] / "scenarios" / "pilots" / "zouping"

FRAME = EqualAreaKm(LON0, LAT0)
lonlat_geom, feature = FRAME.geometry, FRAME.feature
write = writer(OUT)


# km east/north of the centre
OUTLINE = [
    (-21, -12),
    (-12, -18),
    (0, -19),
    (12, -17),
    (21, -10),
    (22, 2),
    (18, 12),
    (8, 18),
    (-4, 19),
    (-15, 14),
    (-21, 5),
]
FOREST = [(-15, -14), (-6, -17), (4, -16.5), (12, -14), (10, -9), (2, -7.5), (-6, -8.5), (-14, -10)]
TOWN = (0.0, -4.5, 3.0)  # the county town (x, y, radius km): neither forest nor fields
RESERVOIRS = [
    ("水库一", -9.0, -12.0, 1.2, 0.8, 20.0),
    ("水库二", 1.0, -12.5, 1.5, 0.9, -15.0),
    ("水库三", 7.0, -11.0, 1.0, 0.7, 40.0),
]  # name, x, y, semi-axes km, rotation °
RIVER = [(1.0, -12.5), (-1.5, -7.5), (-4.5, 0.0), (-2.0, 8.0), (1.5, 22.0)]
HSR = [(-26.0, 1.0), (-12.0, 2.5), (0.0, 3.2), (10.0, 2.4), (26.0, 0.5)]
GRID_X, GRID_Y = (-7.0, 7.0), 0.0
STREETS = [
    ("371626101", "码头镇"),
    ("371626102", "魏桥镇"),
    ("371626103", "长山镇"),
    ("371626001", "西董街道"),
    ("371626002", "黛溪街道"),
    ("371626104", "临池镇"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    county = scaled(OUTLINE, COUNTY_KM2)
    forest = Polygon(FOREST).intersection(county)
    town = Point(TOWN[:2]).buffer(TOWN[2], 64)
    reservoirs = [
        affinity.rotate(affinity.scale(Point(x, y).buffer(1.0, 64), a, b), rot)
        for _, x, y, a, b, rot in RESERVOIRS
    ]
    water = unary_union(reservoirs)
    forest = forest.difference(water)
    river = LineString(RIVER).intersection(county)
    hsr = LineString(HSR).intersection(county)
    assert isinstance(river, LineString) and isinstance(hsr, LineString)
    farmland = county.difference(unary_union([forest.buffer(0.3), town, water.buffer(0.2)]))

    cells = []
    xs = [county.bounds[0] - 1, *GRID_X, county.bounds[2] + 1]
    ys = [county.bounds[1] - 1, GRID_Y, county.bounds[3] + 1]
    for r, (y0, y1) in enumerate([(ys[1], ys[2]), (ys[0], ys[1])]):
        for c in range(3):
            cell = county.intersection(box(xs[c], y0, xs[c + 1], y1))
            assert isinstance(cell, Polygon)
            cells.append((STREETS[r * 3 + c], cell))
    write("county.geojson", [feature(county, name="邹平市 (simulated outline)")])
    write(
        "grids.geojson",
        [
            feature(cell, code=f"{code}001", name=f"{name}网格", street=name)
            for (code, name), cell in cells
        ],
    )
    write("forest.geojson", [feature(forest, name="南部山区林地")])
    write(
        "reservoirs.geojson",
        [feature(g, name=spec[0]) for spec, g in zip(RESERVOIRS, reservoirs, strict=True)],
    )
    write("river.geojson", [feature(river, name="河道 (synthetic)")])
    write("hsr.geojson", [feature(hsr, name="高铁 (synthetic route)")])
    write("farmland.geojson", [feature(farmland, name="平原农田 (秸秆禁烧区)")])

    # 1. rail towers: every RAIL_STEP_KM along the line, alternately north and south of it
    rail = []
    n_rail = math.floor(hsr.length / RAIL_STEP_KM)
    for k in range(n_rail):
        s = (k + 0.5) * hsr.length / n_rail
        a, b = hsr.interpolate(max(0.0, s - 0.05)), hsr.interpolate(min(hsr.length, s + 0.05))
        nx, ny = -(b.y - a.y), b.x - a.x
        norm = math.hypot(nx, ny)
        side = RAIL_OFFSET_KM if k % 2 == 0 else -RAIL_OFFSET_KM
        p = hsr.interpolate(s)
        rail.append(Point(p.x + side * nx / norm, p.y + side * ny / norm))
    # 2. the rest on a hex lattice away from the railway: the widest spacing giving the count
    rest = county.difference(hsr.buffer(2.0))
    need = TOWERS - len(rail)
    spacing = next(
        s / 1000 for s in range(6000, 2000, -1) if len(hex_sites(rest, s / 1000)) == need
    )
    sites = hex_sites(rest, spacing)
    near_forest = forest.buffer(1.0)
    forest_sites = [p for p in sites if near_forest.contains(p)]
    field_sites = [p for p in sites if not near_forest.contains(p)]

    def towers(points: list[Point], prefix: str) -> list[Feature]:
        return [feature(p, id=f"{prefix}-{i + 1:02d}") for i, p in enumerate(points)]

    write("towers-rail.geojson", towers(rail, "ZP-R"))
    write("towers-forest.geojson", towers(forest_sites, "ZP-F"))
    write("towers-farmland.geojson", towers(field_sites, "ZP-A"))
    # river cameras: two on each reservoir's shore (north and south end)
    cams = []
    for (name, *_), g in zip(RESERVOIRS, reservoirs, strict=True):
        c = g.centroid
        for end in (1, -1):
            shore = g.exterior.interpolate(g.exterior.project(Point(c.x, c.y + 5 * end)))
            cams.append(feature(shore, id=f"{name}-{'北' if end > 0 else '南'}"))
    write("cameras-water.geojson", cams)

    print(
        f"county {county.area:.1f} km²; forest {forest.area:.1f} km²; farmland "
        f"{farmland.area:.1f} km²; reservoirs {water.area:.2f} km² "
        f"({', '.join(f'{g.area:.2f}' for g in reservoirs)}); river {river.length:.1f} km; "
        f"railway {hsr.length:.1f} km"
    )
    print(
        f"towers: {len(rail)} rail + {len(forest_sites)} forest + {len(field_sites)} "
        f"farmland = {len(rail) + len(sites)}; hex spacing {spacing:.3f} km"
    )
    for (code, name), cell in cells:
        print(f"  grid {code}001 {name}: {cell.area:.1f} km²")
    centre = FRAME.lonlat_km(0.0, TOWN[1])
    print(f"county town centre {centre[0]:.4f}, {centre[1]:.4f}")
    assert len(rail) + len(sites) == TOWERS


if __name__ == "__main__":
    main()
