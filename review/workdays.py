"""Working days in mainland China: weekends and public holidays off, make-up Saturdays/Sundays (调休) on.

The holiday table is the `holidays` package's CN calendar (kept current by its maintainers
from the State Council's yearly notice), not a list typed in here.
"""

from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _calendar(year):
    return holidays.country_holidays("CN", years=[year])


def is_working_day(day):
    return _calendar(day.year).is_working_day(day)


def working_days(start, end):
    """How many working days lie from `start` to `end`, both included."""
    n, day = 0, start
    while day <= end:
        n += is_working_day(day)
        day += timedelta(days=1)
    return n


def add_working_days(start, n):
    """The day on which a period starting at `start` reaches n working days (start counts if it is one)."""
    day, counted = start, 0
    while True:
        counted += is_working_day(day)
        if counted >= n:
            return day
        day += timedelta(days=1)
