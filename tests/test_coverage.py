"""Coverage geometry and tower placement on shapes with known answers: the equal-area
projection, discs and sectors, overlaps (lens area), corridors, point sets, the 24-hour patrol,
the no-overlap arithmetic of 无棣 (58 towers of 3 km over 1 998 km²) and the greedy planner."""

from __future__ import annotations

import json
import math
import warnings

import pytest
from pyproj import Geod
from shapely.geometry import LineString, box

from ioc.assessment.coverage import (
    Sweep,
    coverage_of_area,
    coverage_of_corridor,
    coverage_of_points,
    patrol_coverage,
    stated_arithmetic,
    sweeps_from_timestamps,
)
from ioc.assessment.geometry import AreaProjection, Site, read_geojson, viewshed
from ioc.assessment.maps import save_coverage_map
from ioc.assessment.placement import hex_count, lower_bound, plan_coverage, plan_report
from ioc.contract import InputFileError

LON0, LAT0 = 117.6, 37.0  # 无棣-ish latitude
GEOD = Geod(ellps="WGS84")
P = AreaProjection(LON0, LAT0)


def square_km(side_km: float, cx_km: float = 0.0, cy_km: float = 0.0):
    """A square of `side_km` (metres on P) in lon/lat."""
    h = side_km * 500
    return P.to_lonlat(box(cx_km * 1000 - h, cy_km * 1000 - h, cx_km * 1000 + h, cy_km * 1000 + h))


def site_at(x_km: float, y_km: float, r_m: float, **kw) -> Site:
    lon, lat = P.lonlat(x_km * 1000, y_km * 1000)
    return Site(float(lon), float(lat), r_m, **kw)


def lens(r: float, d: float) -> float:
    """Area of the intersection of two circles of radius r whose centres are d apart."""
    return 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)


# ----------------------------------------------------------------------------- projection


def test_projection_measures_a_10km_square_at_37_degrees():
    # The square's corners from geodesic distances, independently of the projection.
    lon_e, _, _ = GEOD.fwd(LON0, LAT0, 90, 5000)
    _, lat_n, _ = GEOD.fwd(LON0, LAT0, 0, 5000)
    dlon, dlat = lon_e - LON0, lat_n - LAT0
    sq = box(LON0 - dlon, LAT0 - dlat, LON0 + dlon, LAT0 + dlat)
    measured = AreaProjection.for_geometry(sq).to_m(sq).area / 1e6
    assert measured == pytest.approx(100.0, rel=1e-3)
    geodesic = abs(GEOD.geometry_area_perimeter(sq)[0]) / 1e6
    assert measured == pytest.approx(geodesic, rel=1e-5)


def test_projection_round_trip_and_rejects_metric_coordinates():
    sq = square_km(10)
    back = P.to_lonlat(P.to_m(sq))
    # PROJ's inverse (authalic latitude series) is good to ~1e-8° (1 mm)
    assert back.hausdorff_distance(sq) < 1e-7
    with pytest.raises(ValueError, match="not lon/lat"):
        AreaProjection.for_geometry(box(500000, 4000000, 510000, 4010000))


# ----------------------------------------------------------------------------- area


def test_one_circle_inside_a_big_square():
    cov = coverage_of_area(square_km(40), [site_at(3, -2, 3000)])
    expected = math.pi * 9 / 1600
    assert cov.fraction == pytest.approx(expected, rel=0.005)
    assert cov.area_km2 == pytest.approx(1600, rel=1e-4)
    assert cov.overlap_km2 == 0
    assert cov.blind_km2 == pytest.approx(1600 - math.pi * 9, rel=0.001)
    assert cov.upper_bound_fraction == pytest.approx(expected, rel=1e-6)


def test_two_disjoint_circles():
    cov = coverage_of_area(square_km(40), [site_at(-8, 0, 3000), site_at(8, 0, 3000)])
    assert cov.covered_km2 == pytest.approx(2 * math.pi * 9, rel=0.005)
    assert cov.overlap_km2 == 0


def test_two_overlapping_circles_lens():
    r, d = 3.0, 2.0
    cov = coverage_of_area(square_km(40), [site_at(0, 0, r * 1000), site_at(d, 0, r * 1000)])
    assert cov.overlap_km2 == pytest.approx(lens(r, d), rel=0.005)
    assert cov.covered_km2 == pytest.approx(2 * math.pi * r * r - lens(r, d), rel=0.005)
    assert cov.site_area_km2 == pytest.approx(2 * math.pi * r * r, rel=1e-9)


def test_circle_clipped_by_the_area_edge():
    # A disc centred on the square's edge covers half a disc of it.
    cov = coverage_of_area(square_km(20), [site_at(10, 0, 3000)])
    assert cov.covered_km2 == pytest.approx(math.pi * 9 / 2, rel=0.005)


def test_sector_viewshed_area_and_direction():
    v = viewshed(LON0, LAT0, 3000, azimuth_deg=90, width_deg=120)
    area = abs(GEOD.geometry_area_perimeter(v)[0]) / 1e6
    assert area == pytest.approx(math.pi * 9 / 3, rel=0.005)
    assert v.centroid.x > LON0  # looks east
    assert abs(v.centroid.y - LAT0) < 1e-3


def test_no_overlap_arithmetic_58_towers_in_1998_km2():
    county = square_km(math.sqrt(1998))
    sites = [site_at(-20 + 5 * (k % 8), -20 + 6 * (k // 8), 3000) for k in range(58)]
    cov = coverage_of_area(county, sites, area_label="county area")
    assert cov.upper_bound_fraction == pytest.approx(58 * math.pi * 9 / 1998, rel=1e-4)
    assert cov.arithmetic == (
        "58 × π × 3.0² km² = 1 639.9 km² < 1 998.0 km² county area → "
        "at most 82.1 % even with no overlap"
    )
    assert cov.fraction <= cov.upper_bound_fraction
    bound, text = stated_arithmetic(58, 3000, 1998.0, "county area")
    assert text == cov.arithmetic and bound == pytest.approx(0.8208, abs=1e-4)
    _, enough = stated_arithmetic(80, 3000, 1998.0)
    assert "not ruled out" in enough


# ----------------------------------------------------------------------------- corridors


def test_corridor_fully_inside_one_circle():
    line = P.to_lonlat(LineString([(-1500, 0), (1500, 0)]))
    cov = coverage_of_corridor(line, 500, [site_at(0, 0, 3000)])
    assert cov.area_fraction == pytest.approx(1.0, abs=1e-9)
    assert cov.length_fraction == pytest.approx(1.0, abs=1e-9)
    assert cov.corridor_km2 == pytest.approx(3.0 * 1.0, rel=1e-3)
    assert cov.uncovered.is_empty


def test_corridor_half_covered():
    line = P.to_lonlat(LineString([(0, 0), (6000, 0)]))
    cov = coverage_of_corridor(line, 100, [site_at(0, 0, 3000)])
    assert cov.length_fraction == pytest.approx(0.5, abs=1e-3)
    assert cov.length_km == pytest.approx(6.0, rel=1e-4)
    assert 0.45 < cov.area_fraction < 0.5  # the disc's edge bites the far corners


# ----------------------------------------------------------------------------- points


def test_points_in_and_out_and_sectors():
    pts = {}
    for name, (x, y) in {
        "in": (1, 1),
        "edge": (2.99, 0),
        "out": (3.5, 0),
        "east": (0, -8),
        "west": (-2, -10),
    }.items():
        lon, lat = P.lonlat(x * 1000, y * 1000)
        pts[name] = (float(lon), float(lat))
    disc = site_at(0, 0, 3000, id="T1")
    sector = site_at(-1, -10, 2500, azimuth_deg=45, width_deg=90, id="T2")  # looks north-east
    cov = coverage_of_points(pts, [disc, sector])
    assert sorted(cov.uncovered_ids) == ["out", "west"]
    assert cov.covered == 3 and cov.total == 5 and cov.fraction == pytest.approx(0.6)
    assert cov.covered_by == {"in": ["T1"], "edge": ["T1"], "east": ["T2"]}
    assert coverage_of_points({}, [disc]).fraction is None


# ----------------------------------------------------------------------------- patrol


def test_patrol_24h_fraction_of_hours():
    sweeps = [Sweep("A", h) for h in range(24)]
    sweeps += [Sweep("B", h) for h in range(12)]
    sweeps += [Sweep("B", 12, 0.5), Sweep("B", 12, 0.6)]  # best of a partial hour, not the sum
    pc = patrol_coverage(sweeps, towers=["A", "B", "C"], hours=24)
    assert pc.per_tower == {"A": 1.0, "B": 0.5, "C": 0.0}
    assert pc.min_fraction == 0.0 and pc.mean_fraction == pytest.approx(0.5)
    assert pc.missed_hours["B"][0] == 12
    lenient = patrol_coverage(sweeps, towers=["B"], hours=24, min_swept=0.5)
    assert lenient.per_tower["B"] == pytest.approx(13 / 24)


def test_sweeps_from_timestamps_use_epoch_hours():
    t0 = 1_770_000_000_000 - 1_770_000_000_000 % 3_600_000
    ts = [t0 + 60_000, t0 + 120_000, t0 + 3_600_000 * 2 + 5]
    sw = sweeps_from_timestamps("T", ts)
    assert [s.hour for s in sw] == [t0 // 3_600_000, t0 // 3_600_000 + 2]
    hours = range(t0 // 3_600_000, t0 // 3_600_000 + 4)
    assert patrol_coverage(sw, ["T"], hours).per_tower["T"] == 0.5


# ----------------------------------------------------------------------------- GeoJSON, map


def test_read_geojson_feature_collection_and_errors(tmp_path):
    sq = square_km(10)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": json.loads(json.dumps(sq.__geo_interface__)),
            }
        ],
    }
    f = tmp_path / "area.geojson"
    f.write_text(json.dumps(fc))
    assert read_geojson(f).area == pytest.approx(sq.area)
    with pytest.raises(InputFileError, match=r"missing\.geojson"):
        read_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputFileError, match=r"(?s)bad\.geojson.*no geometry"):
        read_geojson(bad)


def test_save_coverage_map_writes_a_png_without_warnings(tmp_path):
    area = square_km(12)
    sites = [site_at(-3, 0, 3000), site_at(3, 0, 3000)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing CJK glyph would warn
        out = save_coverage_map(tmp_path / "map.png", area, sites, title="无棣县 coverage 覆盖")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- placement


def test_bounds():
    a = 1998e6
    assert lower_bound(a, 3000, 0.95) == math.ceil(0.95 * 1998 / (math.pi * 9))
    assert hex_count(a, 3000) == pytest.approx(1998 / (3 * math.sqrt(3) / 2 * 9))


def test_greedy_reaches_target_on_a_square_and_respects_the_lower_bound():
    area = square_km(20)
    plan = plan_coverage(area, 3000, 0.9, stated_count=10)
    assert plan.needed is not None
    assert plan.needed >= plan.lower_bound == math.ceil(0.9 * 400 / (math.pi * 9))
    assert plan.fractions[plan.needed - 1] >= 0.9
    assert all(b >= a - 1e-12 for a, b in zip(plan.fractions, plan.fractions[1:], strict=False))
    # the reported fractions are exact: the last one is the polygon coverage of all sites
    assert plan.coverage.fraction == pytest.approx(plan.fractions[-1], abs=1e-6)
    assert len(plan.sites) == max(plan.needed, 10)
    assert plan.stated_fraction is not None and plan.stated_fraction < 0.9
    assert plan.gap.startswith(f"stated 10; {plan.method} needs {plan.needed} for 90 %")
    text = plan_report(plan)
    assert "no-overlap bound" in text and "gap" in text and f"{plan.needed} sites" in text
    assert plan.to_dict()["needed"] == plan.needed
    for s in plan.sites:  # every site lies in the area
        x, y = P.xy(s.lon, s.lat)
        assert abs(float(x)) <= 10_000 + 1e-6 and abs(float(y)) <= 10_000 + 1e-6


def test_full_coverage_and_existing_sites():
    area = square_km(12)
    existing = [site_at(0, 0, 3000, id="E1")]
    plan = plan_coverage(area, 3000, 1.0, existing=existing)
    assert plan.needed is not None and plan.coverage.fraction == pytest.approx(1.0, abs=1e-7)
    assert plan.sites[0].id == "E1" and plan.existing == 1
    assert plan.fractions[0] == pytest.approx(math.pi * 9 / 144, rel=0.005)
    assert plan.needed >= lower_bound(144e6, 3000, 1.0)


def test_plan_rejects_percent_targets():
    with pytest.raises(ValueError, match=r"did you mean 0\.95"):
        plan_coverage(square_km(10), 3000, 95)
