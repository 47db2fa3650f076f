"""HJ 633-2012 AQI: Table 1, interpolation, rounding up, levels, primary/exceeding pollutants,
the SO2 1-h and O3 8-h >800 µg/m³ rules, and the hourly/daily report assemblies."""

from __future__ import annotations

import dataclasses
import math

import pytest

from ioc.measures.aqi import (
    IAQI_LEVELS,
    LEVELS,
    POLLUTANTS,
    AqiResult,
    aqi_from,
    daily_aqi,
    hourly_aqi,
    iaqi,
    level_of,
)

# Table 1 of HJ 633-2012, typed out independently of the module (IAQI 0..500 columns).
TABLE_1 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}


def test_table_1_is_exact():
    assert IAQI_LEVELS == (0, 50, 100, 150, 200, 300, 400, 500)
    assert {k: p.limits for k, p in POLLUTANTS.items()} == TABLE_1
    assert POLLUTANTS["co_24h"].unit == POLLUTANTS["co_1h"].unit == "mg/m³"
    assert {p.unit for k, p in POLLUTANTS.items() if not k.startswith("co")} == {"µg/m³"}


@pytest.mark.parametrize(
    ("pollutant", "limit", "expected"),
    [(k, c, IAQI_LEVELS[i]) for k, limits in TABLE_1.items() for i, c in enumerate(limits)],
)
def test_every_breakpoint_gives_its_iaqi(pollutant, limit, expected):
    assert iaqi(pollutant, limit) == expected
    assert iaqi(pollutant, float(limit)) == expected


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm25_24h", 75, 100),
        ("pm25_24h", 115, 150),
        ("pm25_24h", 55, 75),  # 50 + (55-35)*50/40 = 75
        ("pm25_24h", 200, 250),  # 200 + (200-150)*100/100
        ("pm10_24h", 100, 75),  # 50 + (100-50)*50/100
        ("pm10_24h", 385, 250),  # 200 + (385-350)*100/70
        ("so2_24h", 312.5, 125),  # 100 + (312.5-150)*50/325
        ("no2_1h", 450, 125),  # 100 + (450-200)*50/500
        ("co_24h", 9, 125),  # 100 + (9-4)*50/10
        ("co_1h", 7.5, 75),  # 50 + (7.5-5)*50/5
        ("o3_1h", 600, 250),  # 200 + (600-400)*100/400
        ("o3_8h", 130, 75),  # 50 + (130-100)*50/60
    ],
)
def test_interpolation_matches_hand_computed_values(pollutant, concentration, expected):
    assert iaqi(pollutant, concentration) == expected


@pytest.mark.parametrize(
    ("pollutant", "concentration", "raw", "expected"),
    [
        ("pm25_24h", 40, 56.25, 57),  # ceiling, not nearest (56) nor truncation (56)
        ("pm25_24h", 35.1, 50.125, 51),  # just into 良 stays 良
        ("pm25_24h", 0.1, 0.142857, 1),
        ("no2_24h", 41, 51.25, 52),
        ("pm10_24h", 151, 100.5, 101),  # just above the limit value is 超标 (IAQI > 100)
        ("o3_8h", 101, 50.833333, 51),
    ],
)
def test_iaqi_is_rounded_up(pollutant, concentration, raw, expected):
    assert math.ceil(raw) == expected
    assert iaqi(pollutant, concentration) == expected


def test_decimal_concentrations_have_no_binary_float_residue():
    # 2.2 is 2.2000000000000002 in binary; 50 + 0.2*25 is exactly 55, which must stay 55.
    assert iaqi("co_24h", 2.2) == 55
    assert iaqi("co_1h", 0.3) == 3
    assert iaqi("co_24h", 0.7) == 18  # 17.5 -> 18
    assert iaqi("o3_8h", 100.6) == 51  # 50.5 -> 51


def test_above_the_table_caps_at_500():
    assert iaqi("pm25_24h", 500.4) == 500
    assert iaqi("pm25_24h", 999) == 500
    assert iaqi("so2_24h", 5000) == 500
    assert iaqi("no2_1h", 4000) == 500
    assert iaqi("co_1h", 151) == 500
    assert iaqi("o3_1h", 1300) == 500


def test_so2_1h_above_800_gets_no_iaqi():
    assert iaqi("so2_1h", 800) == 200
    assert iaqi("so2_1h", 800.1) is None
    assert iaqi("so2_1h", 2000) is None
    # hourly report: SO2 is then reported with its 24-h IAQI
    r = hourly_aqi(so2=900, no2=50, pm10_24h=40, co=1, o3=80, pm25_24h=20, so2_24h=1000)
    assert "so2_1h" not in r.iaqi
    assert r.iaqi["so2_24h"] == 225  # 200 + (1000-800)*100/800
    assert r.aqi == 225 and r.primary == ("so2_24h",)
    # without a 24-h value SO2 is left out rather than given an IAQI from the 1-h table
    r = hourly_aqi(so2=900, no2=50, pm10_24h=40, co=1, o3=80, pm25_24h=20)
    assert "so2_1h" not in r.iaqi and "so2_24h" not in r.iaqi
    # at or below 800 the 1-h value is used and so2_24h is ignored
    r = hourly_aqi(so2=650, no2=None, pm10_24h=None, co=None, o3=None, pm25_24h=None, so2_24h=9)
    assert r.iaqi == {"so2_1h": 150}


def test_o3_8h_above_800_gets_no_iaqi():
    assert iaqi("o3_8h", 800) == 300
    assert iaqi("o3_8h", 801) is None
    # daily report: O3 is then reported with its 1-h IAQI
    r = daily_aqi(10, 30, 60, 1.0, o3_8h_max=850, pm25_24h=30, o3_1h_max=900)
    assert "o3_8h" not in r.iaqi
    assert r.iaqi["o3_1h"] == 350  # 300 + (900-800)*100/200
    assert r.aqi == 350 and r.level == 6 and r.primary == ("o3_1h",)
    # hourly report: the 8-h value is dropped, the 1-h O3 IAQI stands
    r = hourly_aqi(so2=5, no2=20, pm10_24h=30, co=0.5, o3=1000, pm25_24h=10, o3_8h=820)
    assert "o3_8h" not in r.iaqi and r.iaqi["o3_1h"] == 400


@pytest.mark.parametrize("bad", [-0.1, -5, math.nan, math.inf, -math.inf, None])
def test_uncomputable_concentrations_give_none(bad):
    assert iaqi("pm25_24h", bad) is None


def test_unknown_pollutant_is_an_error():
    with pytest.raises(ValueError, match="unknown pollutant"):
        iaqi("pm25_1h", 10)


@pytest.mark.parametrize(
    ("aqi", "level", "zh", "en", "colour"),
    [
        (0, 1, "优", "Excellent", "green"),
        (50, 1, "优", "Excellent", "green"),
        (51, 2, "良", "Good", "yellow"),
        (100, 2, "良", "Good", "yellow"),
        (101, 3, "轻度污染", "Lightly polluted", "orange"),
        (150, 3, "轻度污染", "Lightly polluted", "orange"),
        (151, 4, "中度污染", "Moderately polluted", "red"),
        (200, 4, "中度污染", "Moderately polluted", "red"),
        (201, 5, "重度污染", "Heavily polluted", "purple"),
        (300, 5, "重度污染", "Heavily polluted", "purple"),
        (301, 6, "严重污染", "Severely polluted", "maroon"),
        (500, 6, "严重污染", "Severely polluted", "maroon"),
    ],
)
def test_level_boundaries(aqi, level, zh, en, colour):
    assert level_of(aqi) == (level, zh, en, colour)
    r = aqi_from({"pm25_24h": aqi})
    assert (r.level, r.level_zh, r.level_en, r.colour) == (level, zh, en, colour)


def test_levels_table_and_negative_aqi():
    assert [(lv[1], lv[2]) for lv in LEVELS] == [
        (0, 50),
        (51, 100),
        (101, 150),
        (151, 200),
        (201, 300),
        (301, 500),
    ]
    assert [lv[7] for lv in LEVELS] == [
        (0, 228, 0),
        (255, 255, 0),
        (255, 126, 0),
        (255, 0, 0),
        (153, 0, 76),
        (126, 0, 35),
    ]
    with pytest.raises(ValueError):
        level_of(-1)


def test_primary_pollutant_only_above_50():
    r = aqi_from({"pm25_24h": 50, "pm10_24h": 50, "o3_8h": 12})
    assert r.aqi == 50 and r.primary == () and r.exceeding == ()
    r = aqi_from({"pm25_24h": 51, "pm10_24h": 50})
    assert r.aqi == 51 and r.primary == ("pm25_24h",)


def test_ties_give_several_primary_pollutants():
    r = daily_aqi(5, 20, pm10_24h=150, co_24h=0.5, o3_8h_max=60, pm25_24h=75)
    assert r.aqi == 100
    assert r.primary == ("pm10_24h", "pm25_24h")
    assert r.exceeding == ()  # 100 is the limit itself, not above it
    r = aqi_from({"no2_1h": 160, "o3_1h": 160, "co_1h": 159, "pm25_24h": 101})
    assert r.primary == ("no2_1h", "o3_1h")
    assert r.exceeding == ("no2_1h", "o3_1h", "co_1h", "pm25_24h")


def test_missing_pollutants_are_skipped_but_one_is_needed():
    r = daily_aqi(None, None, None, None, None, pm25_24h=40)
    assert r.iaqi == {"pm25_24h": 57}
    r = hourly_aqi(None, 10, None, None, None, None)
    assert r.iaqi == {"no2_1h": 5}
    # an uncomputable value counts as missing
    r = daily_aqi(-1, math.nan, 80, None, None, None)
    assert r.iaqi == {"pm10_24h": 65}
    with pytest.raises(ValueError, match="at least one"):
        daily_aqi(None, None, None, None, None, None)
    with pytest.raises(ValueError, match="at least one"):
        hourly_aqi(None, None, None, None, None, None)
    with pytest.raises(ValueError, match="at least one"):
        daily_aqi(-1, None, math.nan, None, 900, None)  # O3 8-h >800 and no 1-h max
    with pytest.raises(ValueError, match="at least one"):
        aqi_from({})
    with pytest.raises(ValueError, match="at least one"):
        aqi_from({"pm25_24h": None})
    with pytest.raises(ValueError, match="negative"):
        aqi_from({"pm25_24h": -3})


def test_hourly_report_uses_1h_gases_24h_particles_and_o3_8h():
    r = hourly_aqi(so2=40, no2=150, pm10_24h=120, co=1.2, o3=190, pm25_24h=60, o3_8h=170)
    assert r.iaqi == {
        "so2_1h": 14,  # 40*50/150 = 13.33
        "no2_1h": 75,  # 50 + 50*50/100
        "pm10_24h": 85,  # 50 + 70*50/100
        "co_1h": 12,  # 1.2*10
        "o3_1h": 88,  # 50 + 30*50/40 = 87.5
        "pm25_24h": 82,  # 50 + 25*50/40 = 81.25
        "o3_8h": 110,  # 100 + 10*50/55 = 109.09
    }
    assert r.aqi == 110 and r.level_zh == "轻度污染"
    assert r.primary == ("o3_8h",) and r.exceeding == ("o3_8h",)


def test_hourly_cross_check_with_aqi_hub_test_case():
    # caiyunapp/aqi-hub tests/aqi_cn/test_cal_aqi_cn.py, test_cal_aqi_cn_hourly_high:
    # PM2.5 250 -> 300, PM10 350 -> 200, SO2 650 / NO2 700 / CO 35 / O3 300 (1-h) -> 150.
    r = hourly_aqi(so2=650, no2=700, pm10_24h=350, co=35, o3=300, pm25_24h=250)
    assert r.iaqi == {
        "so2_1h": 150,
        "no2_1h": 150,
        "pm10_24h": 200,
        "co_1h": 150,
        "o3_1h": 150,
        "pm25_24h": 300,
    }
    assert r.aqi == 300 and r.level == 5 and r.primary == ("pm25_24h",)


def test_worked_daily_example():
    # Hand-computed (no published worked example with all six daily values was found):
    #   SO2 12 -> 12; NO2 58 -> 50+18*50/40 = 72.5 -> 73; PM10 128 -> 50+78*0.5 = 89;
    #   CO 1.3 mg/m³ -> 32.5 -> 33; O3 8-h max 142 -> 50+42*50/60 = 85;
    #   PM2.5 96 -> 100+21*50/40 = 126.25 -> 127; O3 1-h max 180 -> 50+20*50/40 = 75.
    r = daily_aqi(12, 58, 128, 1.3, 142, 96, o3_1h_max=180)
    assert r.iaqi == {
        "so2_24h": 12,
        "no2_24h": 73,
        "pm10_24h": 89,
        "co_24h": 33,
        "o3_8h": 85,
        "pm25_24h": 127,
        "o3_1h": 75,
    }
    assert r == AqiResult(
        aqi=127,
        level=3,
        level_zh="轻度污染",
        level_en="Lightly polluted",
        colour="orange",
        primary=("pm25_24h",),
        iaqi=r.iaqi,
        exceeding=("pm25_24h",),
    )


def test_daily_uses_24h_limits_not_1h():
    # SO2 150 µg/m³ is IAQI 100 on the 24-h table (50 on the 1-h table).
    assert daily_aqi(150, None, None, None, None, None).iaqi == {"so2_24h": 100}
    assert hourly_aqi(150, None, None, None, None, None).iaqi == {"so2_1h": 50}


def test_result_is_frozen():
    r = aqi_from({"pm25_24h": 80})
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.aqi = 1  # type: ignore[misc]
