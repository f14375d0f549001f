"""Reminders before a round's deadlines go through operations.reminders, once per step."""

from datetime import timedelta

from django.utils import timezone

from core.models import Notification
from demonstration import services
from operations.reminders import send_reminders


def test_applicants_without_a_report_are_reminded_once_per_step(sel):
    now = timezone.now()
    rnd = sel.open_round(report_deadline=now + timedelta(days=2, hours=12), unit_deadline=now + timedelta(days=30))
    sel.submit(sel.report_of(rnd, sel.decl_b), sel.p.applicant_b)
    assert send_reminders()["self_evaluation"] == 7  # seven projects have not submitted
    assert send_reminders()["self_evaluation"] == 0
    mine = Notification.objects.filter(user=sel.p.applicant_a, kind="reminder_self_evaluation")
    assert mine.count() == 1 and "3 天内" in mine.get().title
    assert not Notification.objects.filter(user=sel.p.applicant_b, kind="reminder_self_evaluation").exists()
    later = now + timedelta(days=2)
    assert send_reminders(now=later)["self_evaluation"] == 7  # the 1-day step, once
    assert send_reminders(now=later)["self_evaluation"] == 0


def test_units_with_reports_to_check_are_reminded_before_their_deadline(sel):
    now = timezone.now()
    rnd = sel.open_round(report_deadline=now + timedelta(days=1), unit_deadline=now + timedelta(days=5))
    sel.submit(sel.report_of(rnd, sel.decl_a), sel.p.applicant_a)
    send_reminders()
    send_reminders()
    unit_notes = Notification.objects.filter(kind="reminder_self_evaluation_unit")
    assert list(unit_notes.values_list("user__username", flat=True)) == ["district_a_staff"]
    services.pass_report(report=sel.report_of(rnd, sel.decl_a), actor=sel.p.district_a_staff)
    services.send_up(round=rnd, unit=sel.p.district_a, actor=sel.p.district_a_staff)
    assert send_reminders(now=now + timedelta(days=4, hours=12))["self_evaluation"] == 0  # nothing left to check
    assert unit_notes.count() == 1
