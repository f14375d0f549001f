from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.models import Notification
from core.reminders import step_for
from operations.reminders import send_reminders
from operations.tasks import send_reminders as beat_task
from tests.factories import complete_declaration, make_guide, make_org, make_user


def test_step_for():
    now = timezone.now()
    assert step_for(now + timedelta(days=8), now) is None
    assert step_for(now + timedelta(days=6), now) == 7
    assert step_for(now + timedelta(days=2, hours=5), now) == 3
    assert step_for(now + timedelta(hours=5), now) == 1
    assert step_for(now - timedelta(hours=1), now) is None
    assert step_for(None, now) is None


@pytest.fixture
def soon_guide(db):
    return make_guide(2022, open_for_days=2.5, unit_days=6)


def _applicant(guide, email="draft@example.com", state="draft"):
    org = make_org()
    user = make_user("applicant", organisation=org, email=email)
    decl = complete_declaration(guide, org, None, state=state)
    return user, decl


class TestApplicantReminders:
    def test_running_beat_twice_sends_each_reminder_once(self, soon_guide, django_capture_on_commit_callbacks):
        user, decl = _applicant(soon_guide)
        done_user, _d = _applicant(soon_guide, email="done@example.com", state="submitted")
        with django_capture_on_commit_callbacks(execute=True):
            beat_task.delay()
            beat_task.delay()
        to = [m.to for m in mail.outbox]
        assert to == [["draft@example.com"]]
        assert "3 天内截止" in mail.outbox[0].subject
        stamp = int(soon_guide.applicant_deadline.timestamp())
        assert Notification.objects.get(user=user).dedupe_key == f"remind:draft:{soon_guide.pk}:{user.pk}:{stamp}:3"
        # a day and a half later the 1-day step is due, once
        later = timezone.now() + timedelta(days=1, hours=14)
        with django_capture_on_commit_callbacks(execute=True):
            send_reminders(now=later)
            send_reminders(now=later)
        assert len(mail.outbox) == 2 and "1 天内截止" in mail.outbox[1].subject

    def test_an_extension_starts_the_steps_again(self, soon_guide, admin_user):
        from declarations.guide_admin import extend_deadline

        _applicant(soon_guide)
        assert send_reminders()["applicants"] == 1
        extend_deadline(guide=soon_guide, actor=admin_user, reason="顺延一天",
                        applicant_deadline=soon_guide.applicant_deadline + timedelta(days=1))
        assert send_reminders()["applicants"] == 1  # the new deadline has its own steps
        assert send_reminders()["applicants"] == 0

    def test_returned_declarations_are_reminded_too(self, soon_guide):
        user, _decl = _applicant(soon_guide, state="returned")
        assert send_reminders()["applicants"] == 1

    def test_nothing_before_seven_days_or_after_the_deadline(self, db):
        far = make_guide(2022, open_for_days=20)
        _applicant(far)
        assert send_reminders()["applicants"] == 0
        assert send_reminders(now=far.applicant_deadline + timedelta(hours=1))["applicants"] == 0

    def test_unpublished_guides_are_ignored(self, db):
        g = make_guide(2022, open_for_days=2, published=False)
        _applicant(g)
        assert send_reminders()["applicants"] == 0


class TestUnitReminders:
    def test_units_that_have_not_confirmed(self, personas, django_capture_on_commit_callbacks):
        from quotas.models import RecommendationList

        guide = personas.guide
        now = guide.unit_deadline - timedelta(days=2)
        personas.district_a_staff.email = "a@unit.example"
        personas.district_a_staff.save()
        personas.district_b_staff.email = "b@unit.example"
        personas.district_b_staff.save()
        complete_declaration(guide, personas.org_a, personas.district_a, state="submitted")
        complete_declaration(guide, personas.org_b, personas.district_b, state="passed")
        RecommendationList.objects.create(guide=guide, unit=personas.district_b,
                                          state=RecommendationList.State.CONFIRMED)
        with django_capture_on_commit_callbacks(execute=True):
            assert send_reminders(now=now)["units"] == 1
            assert send_reminders(now=now)["units"] == 0
        assert [m.to for m in mail.outbox] == [["a@unit.example"]]
        assert "3 天内截止确认" in mail.outbox[0].subject

    def test_a_unit_extension_moves_its_reminder(self, personas):
        from quotas.models import UnitGuideSetting

        guide = personas.guide
        complete_declaration(guide, personas.org_a, personas.district_a, state="submitted")
        UnitGuideSetting.objects.create(guide=guide, unit=personas.district_a,
                                        deadline=guide.unit_deadline + timedelta(days=20), reason="延期")
        assert send_reminders(now=guide.unit_deadline - timedelta(days=2))["units"] == 0
        assert send_reminders(now=guide.unit_deadline + timedelta(days=18))["units"] == 1


class TestReviewerReminders:
    def test_reviewers_with_unfinished_reviews_weekly(self, personas):
        from review.models import Assignment, Review

        guide = personas.guide
        decl = complete_declaration(guide, personas.org_a, personas.district_a, state="recommended")
        decl2 = complete_declaration(guide, personas.org_b, personas.district_b, state="recommended")
        busy = make_user("reviewer", "busy_reviewer", email="r@example.com")
        finished = make_user("reviewer", "finished_reviewer", email="f@example.com")
        Assignment.objects.create(declaration=decl, reviewer=busy)
        done = Assignment.objects.create(declaration=decl2, reviewer=finished)
        Review.objects.create(assignment=done, state="submitted")
        Assignment.objects.update(created_at=timezone.now() - timedelta(days=4))
        assert send_reminders()["reviewers"] == 1
        assert send_reminders()["reviewers"] == 0
        n = Notification.objects.get(kind="reminder_review")
        assert n.user == busy and "1 个评审任务" in n.title
        assert send_reminders(now=timezone.now() + timedelta(days=7))["reviewers"] == 1


class TestExtensionAnnouncement:
    def test_those_still_working_hear_of_an_extension_once(self, personas, admin_user,
                                                           django_capture_on_commit_callbacks):
        from declarations.guide_admin import extend_deadline

        guide = personas.guide
        personas.applicant_a.email = "a@example.com"
        personas.applicant_a.save()
        personas.city_staff.email = "city@example.com"
        personas.city_staff.save()
        complete_declaration(guide, personas.org_a, None)  # a draft
        complete_declaration(guide, personas.org_b, personas.city, state="submitted")
        with django_capture_on_commit_callbacks(execute=True):
            extend_deadline(guide=guide, actor=admin_user, reason="系统维护",
                            applicant_deadline=guide.applicant_deadline + timedelta(days=2),
                            unit_deadline=guide.unit_deadline + timedelta(days=2))
        assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "city@example.com"]
        assert all("已延期至" in m.subject for m in mail.outbox)
        from operations.reminders import announce_extension

        assert announce_extension(guide.pk, applicant_deadline=True, unit_deadline=True) == 0


def test_the_command_runs_the_same_reminders(soon_guide, capsys):
    from django.core.management import call_command

    _applicant(soon_guide)
    call_command("send_reminders")
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert "申报单位 1 条" in out and "申报单位 0 条" in out
