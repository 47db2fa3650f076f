"""Synthetic geometry of the 泰安市 (Tai'an) pilot pack, written deterministically.

    .venv/bin/python scripts/pilots/taian_geometry.py

writes into scenarios/pilots/taian/:

- grids.geojson      6 单元网格 of 泰山区 (Polygon features, `code` property), 700 m x 700 m
                     each, two per street: 泰前街道 (north, towards the mountain), 岱庙街道,
                     财源街道 (south); 1.4 km x 2.1 km in all (2.94 km²)
- city.geojson       the union of the six cells (the simulated city)
- scenic.geojson     the scenic strip at the foot of the mountain (红门-岱宗坊 approach, 0.36 km²)
                     where the 一键救援 poles, the toilets (找厕所) and the visitor-flow cameras are
- car-parks.geojson  the 40 停车场 of TA-02 (Point features CP-01..CP-40): an 8 x 5 lattice
                     over the city, each site nudged by a fixed pseudo-random offset (seeded)

Coordinates are metres east/north of (117.120 E, 36.185 N) turned into lon/lat with a local
equirectangular approximation. The numbers are synthetic; only the names of the district
and streets are real.
"""

from __future__ import annotations

import random
from pathlib import Path

from geo_common import Feature, LocalMetres, feature, polygon, writer

ORIGIN_LON, ORIGIN_LAT = 117.120, 36.185
OUT = Path(__file__).resolve().parents[2] / "scenarios" / "pilots" / "taian"

FRAME = LocalMetres(ORIGIN_LON, ORIGIN_LAT)
lonlat, ring, rect = FRAME.lonlat, FRAME.ring, FRAME.rect
write = writer(OUT)
SEED = 2022  # the car-park offsets


# 单元网格: (code, name, street, x0, y0, x1, y1) in metres
GRIDS: list[tuple[str, str, str, float, float, float, float]] = [
    ("370902003001", "红门网格", "泰前街道", 0, 700, 700, 1400),
    ("370902003002", "虎山网格", "泰前街道", 700, 700, 1400, 1400),
    ("370902001001", "岱庙西网格", "岱庙街道", 0, 0, 700, 700),
    ("370902001002", "岱庙东网格", "岱庙街道", 700, 0, 1400, 700),
    ("370902002001", "财源西网格", "财源街道", 0, -700, 700, 0),
    ("370902002002", "财源东网格", "财源街道", 700, -700, 1400, 0),
]
SCENIC = (250.0, 1000.0, 1150.0, 1400.0)  # x0, y0, x1, y1: 900 m x 400 m


def car_parks() -> list[Feature]:
    """40 sites: an 8 (east) x 5 (north) lattice, 175 m x 420 m apart, +-60 m jitter."""
    rng = random.Random(SEED)
    sites = []
    for j in range(5):
        for i in range(8):
            x = 87.5 + 175.0 * i + rng.uniform(-60, 60)
            y = -700 + 210.0 + 420.0 * j + rng.uniform(-60, 60)
            n = len(sites) + 1
            sites.append(
                feature(
                    {"type": "Point", "coordinates": lonlat(x, y)},
                    id=f"CP-{n:02d}",
                    name=f"停车场{n:02d}",
                )
            )
    return sites


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write(
        "grids.geojson",
        [
            polygon(rect(x0, y0, x1, y1), code=code, name=name, street=street)
            for code, name, street, x0, y0, x1, y1 in GRIDS
        ],
    )
    write("city.geojson", [polygon(rect(0, -700, 1400, 1400), name="泰山区 (simulated)")])
    write("scenic.geojson", [polygon(rect(*SCENIC), name="红门-岱宗坊 scenic approach")])
    write("car-parks.geojson", car_parks())


if __name__ == "__main__":
    main()
