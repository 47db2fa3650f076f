"""Chinese Ambient Air Quality Index (AQI), HJ 633-2012 《环境空气质量指数（AQI）技术规定（试行）》.

Pure functions: concentrations in, sub-indices (IAQI, 空气质量分指数), AQI, level, primary and
exceeding pollutants out. Units: µg/m³ for SO2, NO2, O3, PM10 and PM2.5; mg/m³ for CO.

Table 1 (空气质量分指数及对应的污染物项目浓度限值) as implemented, IAQI columns
0 / 50 / 100 / 150 / 200 / 300 / 400 / 500:

    so2_24h   SO2 24-h average      0  50   150  475   800  1600  2100  2620
    so2_1h    SO2 1-h average       0  150  500  650   800   (note 2)
    no2_24h   NO2 24-h average      0  40   80   180   280   565   750   940
    no2_1h    NO2 1-h average       0  100  200  700  1200  2340  3090  3840
    pm10_24h  PM10 24-h average     0  50   150  250   350   420   500   600
    co_24h    CO 24-h average       0  2    4    14    24    36    48    60    (mg/m³)
    co_1h     CO 1-h average        0  5    10   35    60    90    120   150   (mg/m³)
    o3_1h     O3 1-h average        0  160  200  300   400   800  1000  1200
    o3_8h     O3 8-h moving avg.    0  100  160  215   265   800   (note 3)
    pm25_24h  PM2.5 24-h average    0  35   75   115   150   250   350   500

Notes of Table 1: (1) the 1-h limits of SO2, NO2 and CO are for the hourly report (实时报)
only; the daily report (日报) uses the 24-h limits. (2) an SO2 1-h average above 800 µg/m³
gets no IAQI; SO2 is reported with the IAQI of its 24-h average. (3) an O3 8-h average above
800 µg/m³ gets no IAQI; O3 is reported with the IAQI of its 1-h average.

Sources (the limits above agree in all of them, except the two slips noted):
  * Table 1 with its three notes, reproduced in a public repository's ASP.NET page
    AirQualityDenAndIndexTable.aspx ("空气质量浓度和指数换算表"); that copy has one typo
    (SO2 24-h at IAQI 50 printed as 52; every other source says 50).
  * ringsaturn/go-aqi, mep/mep.go ("Package mep is for HJ633-2012", official doc
    https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/t20120302_224166.shtml).
  * hrbonz/python-aqi, aqi/algos/mep.py (same limits, written as EPA-style integer ranges).
  * caiyunapp/aqi-hub, src/aqi_hub/aqi_cn/common.py: same values except its so2_24h row,
    which repeats the 1-h limits (150/500/650/800) -- a known-wrong row, not followed here.

Formula (式 1): IAQI_P = (IAQI_Hi - IAQI_Lo) / (BP_Hi - BP_Lo) * (C_P - BP_Lo) + IAQI_Lo, and
AQI = max(IAQI_1 .. IAQI_n) (式 2).

Rounding: IAQI is rounded UP to an integer (进位取整数). HJ 633-2012 §6.2 requires that IAQI and
AQI are "全部进位取整" (quoted in hrbonz/python-aqi issue #4,
https://github.com/hrbonz/python-aqi/issues/4: "HJ633 中6.2 要求AQI和IAQI全部进位取整，
CO计算时应该保留一位小数"); caiyunapp/aqi-hub applies math.ceil, and the successor standard is
summarised as "计算结果向上进位取整数". The standard's own text was not in the searchable copies,
so that quote is second-hand; some implementations truncate (go-aqi) or round (a popular
explainer gives PM2.5 40 µg/m³ -> 56, where ceiling gives 57). The interpolation is done in
exact rational arithmetic on the concentration's shortest decimal form, so CO 2.2 mg/m³ gives
exactly 55, not 56 through a binary-float residue. Concentrations are used as given: rounding
them to the reporting precision (CO one decimal, the others integers) is the caller's job.

Above the table: a concentration above a column's highest limit gets IAQI 500 (the index's
cap), except SO2 1-h and O3 8-h above 800 µg/m³, which get no IAQI (notes 2 and 3).

Levels (表 2, colours 附录 A): 0-50 优 Excellent green, 51-100 良 Good yellow, 101-150 轻度污染
Lightly polluted orange, 151-200 中度污染 Moderately polluted red, 201-300 重度污染 Heavily
polluted purple, >300 严重污染 Severely polluted maroon. Primary pollutant (首要污染物): when
AQI > 50, every pollutant whose IAQI equals the AQI. Exceeding pollutant (超标污染物): IAQI > 100.

Reports (§5): the daily report (日报) uses the 24-h averages of SO2, NO2, PM10, PM2.5 and CO plus
the day's maximum O3 1-h average and maximum O3 8-h moving average (7 indicators). The hourly
report (实时报) uses the 1-h averages of SO2, NO2, O3 and CO, the O3 8-h moving average and the
24-h moving averages of PM10 and PM2.5 (Table 1 has no 1-h limits for particles; Shenzhen
MEEB: "实时报的指标包括…1小时平均，以及臭氧(O₃)8小时滑动平均和细颗粒物(PM₂.₅)、可吸入颗粒物
(PM₁₀)的24小时滑动平均，共计9个指标", https://meeb.sz.gov.cn/hdjl/ywzsk/ggfwl/content/post_12340768.html).
Some libraries put 1-h particle values into the 24-h table instead; this module does not.

A revised HJ 633 (2026) exists and changes e.g. particle limits; this module is the 2012 text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

IAQI_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)
IAQI_CAP = 500
PRIMARY_THRESHOLD = 50  # 首要污染物 only when AQI > 50
EXCEEDING_THRESHOLD = 100  # 超标污染物: IAQI > 100
NO_IAQI_ABOVE = 800.0  # notes 2 and 3: SO2 1-h and O3 8-h above this get no IAQI


@dataclass(frozen=True)
class Pollutant:
    """One column of Table 1: `limits[i]` is the concentration at IAQI_LEVELS[i]."""

    key: str
    species: str
    averaging: str
    unit: str
    name_zh: str
    limits: tuple[float, ...]


def _p(
    key: str, species: str, averaging: str, name_zh: str, *limits: float, unit: str = "µg/m³"
) -> Pollutant:
    return Pollutant(key, species, averaging, unit, name_zh, tuple(limits))


POLLUTANTS: dict[str, Pollutant] = {
    p.key: p
    for p in (
        _p("so2_24h", "SO2", "24h", "二氧化硫24小时平均", 0, 50, 150, 475, 800, 1600, 2100, 2620),
        _p("so2_1h", "SO2", "1h", "二氧化硫1小时平均", 0, 150, 500, 650, 800),
        _p("no2_24h", "NO2", "24h", "二氧化氮24小时平均", 0, 40, 80, 180, 280, 565, 750, 940),
        _p("no2_1h", "NO2", "1h", "二氧化氮1小时平均", 0, 100, 200, 700, 1200, 2340, 3090, 3840),
        _p("pm10_24h", "PM10", "24h", "PM10 24小时平均", 0, 50, 150, 250, 350, 420, 500, 600),
        _p("co_24h", "CO", "24h", "一氧化碳24小时平均", 0, 2, 4, 14, 24, 36, 48, 60, unit="mg/m³"),
        _p("co_1h", "CO", "1h", "一氧化碳1小时平均", 0, 5, 10, 35, 60, 90, 120, 150, unit="mg/m³"),
        _p("o3_1h", "O3", "1h", "臭氧1小时平均", 0, 160, 200, 300, 400, 800, 1000, 1200),
        _p("o3_8h", "O3", "8h", "臭氧8小时滑动平均", 0, 100, 160, 215, 265, 800),
        _p("pm25_24h", "PM2.5", "24h", "PM2.5 24小时平均", 0, 35, 75, 115, 150, 250, 350, 500),
    )
}

# (level, lowest AQI, highest AQI, 类别, category, colour, 颜色, RGB of 附录 A as given by
# caiyunapp/aqi-hub; ringsaturn/go-aqi agrees except green, which it has as (0, 255, 0))
LEVELS: tuple[tuple[int, int, int, str, str, str, str, tuple[int, int, int]], ...] = (
    (1, 0, 50, "优", "Excellent", "green", "绿色", (0, 228, 0)),
    (2, 51, 100, "良", "Good", "yellow", "黄色", (255, 255, 0)),
    (3, 101, 150, "轻度污染", "Lightly polluted", "orange", "橙色", (255, 126, 0)),
    (4, 151, 200, "中度污染", "Moderately polluted", "red", "红色", (255, 0, 0)),
    (5, 201, 300, "重度污染", "Heavily polluted", "purple", "紫色", (153, 0, 76)),
    (6, 301, IAQI_CAP, "严重污染", "Severely polluted", "maroon", "褐红色", (126, 0, 35)),
)


@dataclass(frozen=True)
class AqiResult:
    """An AQI with its level, primary (首要) and exceeding (超标) pollutants and sub-indices."""

    aqi: int
    level: int
    level_zh: str
    level_en: str
    colour: str
    primary: tuple[str, ...]
    iaqi: dict[str, int]
    exceeding: tuple[str, ...]


def _exact(concentration: float) -> Fraction:
    """The concentration as the decimal it was written as (shortest repr), exactly."""
    if isinstance(concentration, int):
        return Fraction(concentration)
    return Fraction(repr(float(concentration)))


def iaqi(pollutant: str, concentration: float | None) -> int | None:
    """IAQI of one Table 1 column, rounded up; None if missing, negative, NaN/inf or note 2/3.

    Raises ValueError for an unknown pollutant key (see POLLUTANTS).
    """
    try:
        column = POLLUTANTS[pollutant]
    except KeyError:
        raise ValueError(f"unknown pollutant {pollutant!r}; one of {sorted(POLLUTANTS)}") from None
    if concentration is None or isinstance(concentration, bool):
        return None
    c = float(concentration)
    if not math.isfinite(c) or c < 0:
        return None
    limits = column.limits
    if pollutant in ("so2_1h", "o3_8h") and c > NO_IAQI_ABOVE:
        return None
    if c > limits[-1]:
        return IAQI_CAP
    exact = _exact(concentration)
    for i in range(1, len(limits)):
        if exact <= limits[i]:
            bp_lo, bp_hi = Fraction(limits[i - 1]), Fraction(limits[i])
            i_lo, i_hi = IAQI_LEVELS[i - 1], IAQI_LEVELS[i]
            value = Fraction(i_hi - i_lo) / (bp_hi - bp_lo) * (exact - bp_lo) + i_lo
            return math.ceil(value)
    return IAQI_CAP  # unreachable: c <= limits[-1] here


def level_of(aqi: int) -> tuple[int, str, str, str]:
    """(level 1..6, 类别, category, colour) of an AQI; ValueError if negative."""
    if aqi < 0:
        raise ValueError(f"AQI must be >= 0, got {aqi}")
    for level, _lo, hi, zh, en, colour, _colour_zh, _rgb in LEVELS:
        if aqi <= hi:
            return level, zh, en, colour
    last = LEVELS[-1]
    return last[0], last[3], last[4], last[5]  # above 500 cannot come from iaqi(); still 严重


def aqi_from(iaqis: Mapping[str, int | None]) -> AqiResult:
    """AQI = max IAQI; primary pollutants (ties included) only if AQI > 50; None entries skipped.

    Raises ValueError if no sub-index is given or one is negative.
    """
    given = {k: int(v) for k, v in iaqis.items() if v is not None}
    if not given:
        raise ValueError("at least one pollutant sub-index (IAQI) is needed")
    negative = [k for k, v in given.items() if v < 0]
    if negative:
        raise ValueError(f"negative IAQI for {negative}")
    aqi = max(given.values())
    level, zh, en, colour = level_of(aqi)
    primary = tuple(k for k, v in given.items() if v == aqi) if aqi > PRIMARY_THRESHOLD else ()
    exceeding = tuple(k for k, v in given.items() if v > EXCEEDING_THRESHOLD)
    return AqiResult(aqi, level, zh, en, colour, primary, given, exceeding)


def _collect(pairs: list[tuple[str, float | None]]) -> dict[str, int | None]:
    return {key: iaqi(key, c) for key, c in pairs if c is not None}


def hourly_aqi(
    so2: float | None,
    no2: float | None,
    pm10_24h: float | None,
    co: float | None,
    o3: float | None,
    pm25_24h: float | None,
    o3_8h: float | None = None,
    *,
    so2_24h: float | None = None,
) -> AqiResult:
    """Hourly report (实时报) AQI.

    so2, no2, o3 in µg/m³ and co in mg/m³ are 1-h averages; pm10_24h and pm25_24h are the 24-h
    moving averages; o3_8h (optional) the 8-h moving average. None means missing (skipped).
    SO2 1-h above 800 µg/m³: the IAQI of `so2_24h` (the 24-h moving average) is used instead,
    keyed "so2_24h"; without it SO2 is left out. O3 8-h above 800 µg/m³ is left out (the 1-h
    O3 IAQI stands). Keys of `iaqi`: so2_1h, no2_1h, pm10_24h, co_1h, o3_1h, pm25_24h, o3_8h.
    Raises ValueError if no pollutant gives a sub-index.
    """
    pairs: list[tuple[str, float | None]] = [("so2_1h", so2)]
    if so2 is not None and float(so2) > NO_IAQI_ABOVE:
        pairs = [("so2_24h", so2_24h)]
    pairs += [
        ("no2_1h", no2),
        ("pm10_24h", pm10_24h),
        ("co_1h", co),
        ("o3_1h", o3),
        ("pm25_24h", pm25_24h),
        ("o3_8h", o3_8h),
    ]
    return aqi_from(_collect(pairs))


def daily_aqi(
    so2_24h: float | None,
    no2_24h: float | None,
    pm10_24h: float | None,
    co_24h: float | None,
    o3_8h_max: float | None,
    pm25_24h: float | None,
    o3_1h_max: float | None = None,
) -> AqiResult:
    """Daily report (日报) AQI from 24-h averages and the day's maximum O3 8-h (and 1-h) average.

    None means missing (skipped). O3 8-h above 800 µg/m³ gets no IAQI: O3 is then represented
    by `o3_1h_max` (left out if that is None too). Keys of `iaqi`: so2_24h, no2_24h, pm10_24h,
    co_24h, o3_8h, pm25_24h, o3_1h. Raises ValueError if no pollutant gives a sub-index.
    """
    return aqi_from(
        _collect(
            [
                ("so2_24h", so2_24h),
                ("no2_24h", no2_24h),
                ("pm10_24h", pm10_24h),
                ("co_24h", co_24h),
                ("o3_8h", o3_8h_max),
                ("pm25_24h", pm25_24h),
                ("o3_1h", o3_1h_max),
            ]
        )
    )
