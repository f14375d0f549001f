"""Receivers of the lower rooms' signals."""

from .tasks import announce_extension


def announce_deadline_extension(sender, *, guide_id, applicant_deadline, unit_deadline, **kwargs):
    """A guide's deadline moved (declarations.guide_admin): tell those still working on it, in a task."""
    announce_extension.delay(guide_id, applicant_deadline=applicant_deadline, unit_deadline=unit_deadline)
