"""The steps of every deadline reminder: 7, 3 and 1 days before; the rooms' reminders share them."""

from datetime import timedelta

STEPS = (1, 3, 7)  # days before a deadline


def step_for(deadline, now):
    """The smallest reminder step (in days) that the time left falls within, or None."""
    if deadline is None or deadline <= now:
        return None
    left = deadline - now
    for days in STEPS:
        if left <= timedelta(days=days):
            return days
    return None
