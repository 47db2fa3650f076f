"""What every part of a scenario file shares: strict models (an unknown key is an error) and
the small types written in many places (codes, points, times)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ioc.contract import Ident

Code = Ident  # codes of grids, streets, units: they appear in topics and the IOC's records
Point = tuple[float, float]
# A time in the scenario: seconds after the start, "HH:MM[:SS]" on the first day, or
# "D2 HH:MM" (day 2, the day after the start date).
TimeSpec = float | str


class Spec(BaseModel):
    """A part of a scenario file: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")
