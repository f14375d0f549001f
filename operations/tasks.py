"""Celery tasks that run the year across the rooms: thin wrappers that take ids and call plain functions."""

from celery import shared_task

from . import reminders


@shared_task
def send_reminders():
    """Beat: deadline reminders for drafts, unconfirmed lists, unfinished reviews and self-evaluation rounds."""
    return reminders.send_reminders()


@shared_task
def announce_extension(guide_id, applicant_deadline=False, unit_deadline=False):
    return reminders.announce_extension(guide_id, applicant_deadline=applicant_deadline, unit_deadline=unit_deadline)
