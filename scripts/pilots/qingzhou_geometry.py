"""Synthetic geometry of the 青州市 (Qingzhou, 潍坊) pilot pack, written deterministically.

    .venv/bin/python scripts/pilots/qingzhou_geometry.py

writes into scenarios/pilots/qingzhou/:

- grids.geojson      6 单元网格 (Polygon features, `code` property), 600 m x 600 m, two per
                     street: 王府街道 (the old town), 益都街道, 云门山街道 (south); 1.2 km x 1.2 km
- city.geojson       the union of the six cells (1.44 km²)
- old-town.geojson   the 青州古城 block inside 王府街道 (800 m x 380 m)
- corridor.geojson   a west-east arterial through the middle of the city (范公亭路 stand-in),
                     the traffic detectors' and green-wave corridor (QZ-03/04)
- car-parks.geojson  8 停车场 (Point features QZ-P01..QZ-P08) beside the arterial and the old town

Coordinates are metres east/north of (118.470 E, 36.680 N) turned into lon/lat with a local
equirectangular approximation. The numbers are synthetic; only the names of the city and
streets are real.
"""

from __future__ import annotations

from pathlib import Path

from geo_common import LocalMetres, feature, polygon, writer

ORIGIN_LON, ORIGIN_LAT = 118.470, 36.680
OUT = Path(__file__).resolve().parents[2] / "scenarios" / "pilots" / "qingzhou"

FRAME = LocalMetres(ORIGIN_LON, ORIGIN_LAT)
lonlat, ring, rect = FRAME.lonlat, FRAME.ring, FRAME.rect
write = writer(OUT)


# 单元网格: (code, name, street, x0, y0, x1, y1) in metres
GRIDS: list[tuple[str, str, str, float, float, float, float]] = [
    ("370781001001", "古城西网格", "王府街道", 0, 800, 600, 1200),
    ("370781001002", "古城东网格", "王府街道", 600, 800, 1200, 1200),
    ("370781002001", "益都西网格", "益都街道", 0, 400, 600, 800),
    ("370781002002", "益都东网格", "益都街道", 600, 400, 1200, 800),
    ("370781003001", "云门山西网格", "云门山街道", 0, 0, 600, 400),
    ("370781003002", "云门山东网格", "云门山街道", 600, 0, 1200, 400),
]
# the arterial: west to east through 益都街道, a slight kink at the middle junction
CORRIDOR: list[tuple[float, float]] = [(0, 600), (600, 640), (1200, 610)]
CAR_PARKS: list[tuple[float, float]] = [
    (150, 660),
    (450, 560),
    (800, 680),
    (1080, 560),  # beside the arterial
    (200, 950),
    (520, 1100),
    (760, 980),
    (1000, 1120),  # round the old town
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write(
        "grids.geojson",
        [
            polygon(rect(x0, y0, x1, y1), code=code, name=name, street=street)
            for code, name, street, x0, y0, x1, y1 in GRIDS
        ],
    )
    write("city.geojson", [polygon(rect(0, 0, 1200, 1200), name="青州市城区 (simulated)")])
    write("old-town.geojson", [polygon(rect(200, 820, 1000, 1200), name="青州古城")])
    write(
        "corridor.geojson",
        [
            feature(
                {"type": "LineString", "coordinates": [lonlat(x, y) for x, y in CORRIDOR]},
                name="范公亭路 (synthetic arterial)",
            )
        ],
    )
    write(
        "car-parks.geojson",
        [
            feature(
                {"type": "Point", "coordinates": lonlat(x, y)},
                id=f"QZ-P{i + 1:02d}",
                name=f"停车场{i + 1:02d}",
            )
            for i, (x, y) in enumerate(CAR_PARKS)
        ],
    )


if __name__ == "__main__":
    main()
