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


def in_daily_window(tod: np.ndarray, start: float, end: float) -> np.ndarray:
    """True where time of day lies in [start, end), windows may wrap past midnight."""
    if start <= end:
        return (tod >= start) & (tod < end)
    return (tod >= start) | (tod < end)


def next_daily(tod: np.ndarray, at: float) -> np.ndarray:
    """Seconds from time of day `tod` until the next occurrence of clock time `at` (0 if now)."""
    return (at - tod) % DAY_S
