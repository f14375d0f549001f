"""Celery tasks of the review room: thin wrappers that take ids and call plain functions."""

from celery import shared_task

from .assignment_runs import run_assignment


@shared_task(acks_late=True)
def run_assignment_task(run_id):
    """Automatic assignment of a guide's reviewers, started by the admin (see review.assignment_runs)."""
    run_assignment(run_id)
