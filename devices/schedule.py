"""Time-of-day helpers for device controllers (vectorised over readings)."""

from __future__ import annotations

import numpy as np

DAY_S = 86400.0


def clock_s(text: str | int | float) -> float:
    """'19:30' or '19:30:15' (or seconds) -> seconds after midnight."""
    if isinstance(text, int | float):
        return float(text) % DAY_S
    parts = [int(p) for p in str(text).split(":")]
    if not 2 <= len(parts) <= 3 or not (0 <= parts[0] < 24 and 0 <= parts[1] < 60):
        raise ValueError(f"expected a clock time HH:MM[:SS], got {text!r}")
    return float(parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0))


def in_daily_window(
    tod: np.ndarray, start: float | np.ndarray, end: float | np.ndarray
) -> np.ndarray:
    """True where time of day lies in [start, end), windows may wrap past midnight; start and
    end may be per-reading arrays."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    inside = (tod >= start) & (tod < end)
    wrapped = (tod >= start) | (tod < end)
    return np.where(start <= end, inside, wrapped)


def next_daily(tod: np.ndarray, at: float | np.ndarray) -> np.ndarray:
    """Seconds from time of day `tod` until the next occurrence of clock time `at` (0 if now)."""
    return (at - tod) % DAY_S


def clock_list(value: str | list[str] | tuple[str, ...]) -> list[float]:
    """'06:00' or ['06:00', '18:00'] -> sorted seconds after midnight."""
    items = [value] if isinstance(value, str | int | float) else list(value)
    return sorted(clock_s(v) for v in items)


def bump(tod: np.ndarray, centre_h: float | np.ndarray, width_h: float) -> np.ndarray:
    """A daily Gaussian bump (peak 1 at centre_h, standard deviation width_h), wrapping at
    midnight: the building block of diurnal profiles."""
    d = (np.asarray(tod, dtype=float) - centre_h * 3600.0 + DAY_S / 2) % DAY_S - DAY_S / 2
    return np.exp(-0.5 * (d / (width_h * 3600.0)) ** 2)


def plateau(tod: np.ndarray, start_h: float, end_h: float, edge_h: float = 0.75) -> np.ndarray:
    """~1 between start_h and end_h with smooth (logistic) edges of about edge_h, else ~0."""
    tod_h = np.asarray(tod, dtype=float) / 3600.0
    k = 4.0 / edge_h
    return 1.0 / (1.0 + np.exp(-k * (tod_h - start_h))) / (1.0 + np.exp(k * (tod_h - end_h)))


def last_event(tod: np.ndarray, dt: np.ndarray, times: list[float]) -> np.ndarray:
    """Seconds since the latest of the daily clock `times` that fell in the `dt` seconds up to
    each reading (the interval (t - dt, t]), NaN where none did."""
    best = np.full(np.shape(tod), np.nan)
    for at in times:  # a loop over clock times, not over readings
        ago = (np.asarray(tod, dtype=float) - at) % DAY_S
        hit = ago < dt
        best = np.where(hit & ~(best <= ago), ago, best)
    return best
