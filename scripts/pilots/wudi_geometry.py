"""Synthetic geometry of the 无棣县 (Wudi, 滨州) pilot pack, written deterministically.

    .venv/bin/python scripts/pilots/wudi_geometry.py

writes into scenarios/pilots/wudi/ (all lon/lat, WGS84):

- county.geojson    the simulated county: an irregular outline scaled to 1 998 km² (the
                    county area in public statistics, approximately; see the README)
- grids.geojson     six 单元网格 (`code` property): the outline cut in 3 x 2 cells
- coast.geojson     the coastal salt flats and wetlands (滨海盐田/湿地) of the north-east
- farmland.geojson  the plain's fields (秸秆禁烧区): the county less the coast and the town
- key.geojson       重点区域: the county town, the port industrial park, the 碣石山 scenic area
- towers.geojson    the 58 采集终端点位 (tower cameras, ids WD-T01..WD-T58)
- reach.geojson     the fields within 3 km of a tower (where the scenario puts the incidents
                    the towers should see) ...
- blind.geojson     ... and the fields beyond every tower's 3 km (the blind spots)

Tower sites: a hexagonal lattice of 5 km spacing (just under r·√3 = 5.196 km, the spacing
at which 3 km discs tile the plane without gaps), the sites in or within 3 km of a key area
first, then the fields nearest the county town, until 58 are placed; the coast is left to
what is left over. The shapes are drawn in km on a Lambert azimuthal equal-area projection
centred on (117.72 E, 37.93 N), the projection the commitments checker measures on, and
rounded to 1e-6 degrees. Everything is synthetic: no line here is traced from a map. It
prints the figures the README quotes.
"""

from __future__ import annotations

import math
from pathlib import Path

from geo_common import EqualAreaKm, hex_sites, scaled, writer
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

LON0, LAT0 = 117.72, 37.93
COUNTY_KM2 = 1998.0  # approximate public figure (see README)
TOWERS, RADIUS_KM, SPACING_KM = 58, 3.0, 5.0  # WD-11 / WD-12: 58 处, 3 公里
OUT = Path(__file__).resolve().parents[2] / "scenarios" / "pilots" / "wudi"

FRAME = EqualAreaKm(LON0, LAT0)
lonlat_geom, feature = FRAME.geometry, FRAME.feature
write = writer(OUT)


# km east/north of the centre
OUTLINE = [
    (-28, -20),
    (-10, -24),
    (8, -23),
    (24, -16),
    (30, -2),
    (26, 12),
    (14, 22),
    (-2, 25),
    (-18, 20),
    (-28, 8),
    (-31, -6),
]
COAST = [(2, 40), (40, 40), (40, -10), (27, -6), (18, 6), (6, 14), (-4, 22)]
TOWN = (-12.0, -12.0, 4.0)  # county town (x, y, radius km)
PARK = (12.0, 6.0, 17.0, 10.0)  # port industrial park (x0, y0, x1, y1 km)
SCENIC = (0.0, 12.0, 2.0)  # 碣石山 scenic area (x, y, radius km)
GRID_X, GRID_Y = (-10.0, 10.0), 0.0
STREETS = [
    ("371623102", "碣石山镇"),
    ("371623103", "马山子镇"),
    ("371623104", "埕口镇"),
    ("371623001", "棣丰街道"),
    ("371623105", "水湾镇"),
    ("371623106", "小泊头镇"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    county = scaled(OUTLINE, COUNTY_KM2)
    coast = Polygon(COAST).intersection(county)
    town = Point(TOWN[:2]).buffer(TOWN[2], 64)
    park = box(*PARK)
    scenic = Point(SCENIC[:2]).buffer(SCENIC[2], 64)
    key = unary_union([town, park, scenic]).intersection(county)
    farmland = county.difference(unary_union([coast, town, park, scenic]))

    cells = []
    xs = [county.bounds[0] - 1, *GRID_X, county.bounds[2] + 1]
    ys = [county.bounds[1] - 1, GRID_Y, county.bounds[3] + 1]
    for r, (y0, y1) in enumerate([(ys[1], ys[2]), (ys[0], ys[1])]):
        for c in range(3):
            cell = county.intersection(box(xs[c], y0, xs[c + 1], y1))
            assert isinstance(cell, Polygon)
            cells.append((STREETS[r * 3 + c], cell))

    # 58 sites: those serving a key area first, then the fields nearest the county town
    lattice = hex_sites(county, SPACING_KM, TOWN[:2])
    near_key = key.buffer(RADIUS_KM)
    town_c = Point(TOWN[:2])

    def rank(p: Point) -> tuple[int, int, float]:
        return (0 if near_key.contains(p) else 1, 1 if coast.contains(p) else 0, p.distance(town_c))

    sites = sorted(lattice, key=rank)[:TOWERS]

    write("county.geojson", [feature(county, name="无棣县 (simulated outline)")])
    write(
        "grids.geojson",
        [
            feature(cell, code=f"{code}001", name=f"{name}网格", street=name)
            for (code, name), cell in cells
        ],
    )
    write("coast.geojson", [feature(coast, name="滨海盐田/湿地")])
    write("farmland.geojson", [feature(farmland, name="平原农田 (秸秆禁烧区)")])
    write(
        "key.geojson",
        [
            feature(town.intersection(county), name="县城"),
            feature(park, name="港口工业园"),
            feature(scenic, name="碣石山景区"),
        ],
    )
    write("towers.geojson", [feature(p, id=f"WD-T{i + 1:02d}") for i, p in enumerate(sites)])
    # 0.1 km inside the 3 km circles (their 64-gon outlines), so a point in `reach` is in reach
    discs = unary_union([p.buffer(RADIUS_KM, 256) for p in sites])
    inner = unary_union([p.buffer(RADIUS_KM - 0.1, 64) for p in sites])
    reach, blind = farmland.intersection(inner), farmland.difference(discs)
    write("reach.geojson", [feature(reach, name="农田: 3 km 内 (within a tower's reach)")])
    write(
        "blind.geojson", [feature(blind.simplify(0.01), name="农田: 3 km 外 (beyond every tower)")]
    )
    print(
        f"county {county.area:.1f} km²; coast {coast.area:.1f} km²; farmland "
        f"{farmland.area:.1f} km²; key areas {key.area:.1f} km² (town {town.area:.1f}, "
        f"park {park.area:.1f}, scenic {scenic.area:.1f})"
    )
    print(
        f"lattice sites in the county: {len(lattice)}; placed {len(sites)}; "
        f"{TOWERS} x pi x {RADIUS_KM:g}² = {TOWERS * math.pi * RADIUS_KM**2:.1f} km²; "
        f"union of the discs inside the county {discs.intersection(county).area:.1f} km² "
        f"({100 * discs.intersection(county).area / county.area:.1f} %); key areas "
        f"{100 * discs.intersection(key).area / key.area:.2f} %; farmland "
        f"{100 * discs.intersection(farmland).area / farmland.area:.1f} %; coast "
        f"{100 * discs.intersection(coast).area / coast.area:.1f} %"
    )
    print(f"fields in reach {reach.area:.1f} km², blind {blind.area:.1f} km²")
    for (code, name), cell in cells:
        print(f"  grid {code}001 {name}: {cell.area:.1f} km²")
    for name, (x, y) in [
        ("town", TOWN[:2]),
        ("park", ((PARK[0] + PARK[2]) / 2, PARK[1])),
        ("centre", (0.0, 0.0)),
    ]:
        lon, lat = FRAME.lonlat_km(x, y)
        print(f"  {name}: {lon:.4f}, {lat:.4f}")


if __name__ == "__main__":
    main()
