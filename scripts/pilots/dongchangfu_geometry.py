"""Synthetic geometry of the 东昌府区 (Dongchangfu, 聊城) pilot pack, written deterministically.

    .venv/bin/python scripts/pilots/dongchangfu_geometry.py

writes into scenarios/pilots/dongchangfu/:

- grids.geojson          8 单元网格 (Polygon features, `code` property): six 500 m cells of
                         古楼街道 and 柳园街道 (the demo's city block) and two 3 km x 3 km rural
                         cells of 堂邑镇 west of it
- district.geojson       the union of all eight cells (东昌府区 as simulated, 19.5 km²)
- urban.geojson          the six urban cells (古楼 + 柳园, 1.5 km²)
- tangyi.geojson         the two rural cells (堂邑镇, 18 km²)
- canal.geojson          the synthetic irrigation canal (引黄灌渠) the pump stations stand on
- pump-stations.geojson  the 12 扬水站 (Point features, ids YS-01..YS-12) along the canal

Coordinates are metres east/north of (115.985 E, 36.455 N) turned into lon/lat with a
local equirectangular approximation (under 1 m of error over a few kilometres). The
numbers are synthetic: only the names (the district, the streets, the town) are real.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from geo_common import LocalMetres, feature, polygon, writer

ORIGIN_LON, ORIGIN_LAT = 115.985, 36.455
OUT = Path(__file__).resolve().parents[2] / "scenarios" / "pilots" / "dongchangfu"

FRAME = LocalMetres(ORIGIN_LON, ORIGIN_LAT)
lonlat, ring, rect = FRAME.lonlat, FRAME.ring, FRAME.rect
write = writer(OUT)


# 单元网格: (code, name, street, x0, y0, x1, y1) in metres
GRIDS: list[tuple[str, str, str, float, float, float, float]] = [
    ("371502001001", "古楼一网格", "古楼街道", 0, 0, 500, 500),
    ("371502001002", "古楼二网格", "古楼街道", 500, 0, 1000, 500),
    ("371502001003", "古楼三网格", "古楼街道", 1000, 0, 1500, 500),
    ("371502002001", "柳园一网格", "柳园街道", 0, 500, 500, 1000),
    ("371502002002", "柳园二网格", "柳园街道", 500, 500, 1000, 1000),
    ("371502002003", "柳园三网格", "柳园街道", 1000, 500, 1500, 1000),
    ("371502101001", "堂邑东片", "堂邑镇", -3000, -1000, 0, 2000),
    ("371502101002", "堂邑西片", "堂邑镇", -6000, -1000, -3000, 2000),
]

# The canal runs west-east through 堂邑镇 at y = 600 m, with a bend; 12 stations stand on it
CANAL: list[tuple[float, float]] = [(-5900, 300), (-3000, 700), (-200, 500)]


def canal_point(s: float) -> tuple[float, float]:
    """The point at share s (0..1) of the canal's length."""
    seg = [math.dist(a, b) for a, b in itertools.pairwise(CANAL)]
    d = s * sum(seg)
    for (a, b), length in zip(itertools.pairwise(CANAL), seg, strict=True):
        if d <= length:
            f = d / length
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        d -= length
    return CANAL[-1]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write(
        "grids.geojson",
        [
            polygon(rect(x0, y0, x1, y1), code=code, name=name, street=street)
            for code, name, street, x0, y0, x1, y1 in GRIDS
        ],
    )
    # the unions, written out as rings (rectangles sharing edges)
    write(
        "district.geojson",
        [
            polygon(
                ring(
                    [
                        (-6000, -1000),
                        (0, -1000),
                        (0, 0),
                        (1500, 0),
                        (1500, 1000),
                        (0, 1000),
                        (0, 2000),
                        (-6000, 2000),
                    ]
                ),
                name="东昌府区 (simulated)",
            )
        ],
    )
    write("urban.geojson", [polygon(rect(0, 0, 1500, 1000), name="古楼街道 + 柳园街道")])
    write("tangyi.geojson", [polygon(rect(-6000, -1000, 0, 2000), name="堂邑镇")])
    write(
        "canal.geojson",
        [
            feature(
                {"type": "LineString", "coordinates": [lonlat(x, y) for x, y in CANAL]},
                name="引黄灌渠 (synthetic)",
            )
        ],
    )
    stations = []
    for i in range(12):
        x, y = canal_point((i + 0.5) / 12)
        side = 40.0 if i % 2 else -40.0  # alternately north and south bank
        stations.append(
            feature(
                {"type": "Point", "coordinates": lonlat(x, y + side)},
                id=f"YS-{i + 1:02d}",
                name=f"扬水站{i + 1:02d}",
            )
        )
    write("pump-stations.geojson", stations)


if __name__ == "__main__":
    main()
