"""Reminders before a self-evaluation round's two deadlines, run by beat through operations.reminders.

Keyed like operations.reminders (who, what, which round, the deadline, the 7/3/1-day step), so each
reminder is stored and mailed once however often beat runs; a moved deadline starts afresh.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import User
from core.notify import notify
from core.reminders import STEPS, step_for

from .models import Report, Round

S = Report.State


def _key(kind, rnd, user, deadline, days):
    return f"remind:{kind}:{rnd.pk}:{user.pk}:{int(deadline.timestamp())}:{days}"


def _fmt(dt):
    from django.utils import timezone

    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def remind_reports(now):
    """Applicants whose report is not yet submitted (or was returned) before the report deadline."""
    sent = 0
    window = now + timedelta(days=max(STEPS))
    for rnd in Round.objects.filter(closed_at__isnull=True, report_deadline__gt=now, report_deadline__lte=window):
        days = step_for(rnd.report_deadline, now)
        open_reports = {r.declaration.organisation_id: r for r in rnd.reports.filter(state__in=[S.DRAFT, S.RETURNED])
                        .select_related("declaration")}
        for user in User.objects.filter(is_active=True, role=User.Role.APPLICANT, organisation_id__in=open_reports):
            report = open_reports[user.organisation_id]
            n = notify(user, kind="reminder_self_evaluation",
                       dedupe_key=_key("selfeval", rnd, user, rnd.report_deadline, days),
                       title=_("自查评估报告将于 %(days)d 天内截止提交") % {"days": days},
                       body=_("“%(round)s”的自查评估报告将于 %(d)s（北京时间）截止提交，项目“%(p)s”尚未提交。"
                              "逾期未报送的项目将被取消示范资格。") % {
                           "round": rnd.title, "d": _fmt(rnd.report_deadline), "p": report.declaration.project_name},
                       url=reverse("demonstration:report_edit", args=[report.pk]))
            sent += n is not None
    return sent


def remind_units(now):
    """Unit staff with reports still to check or send up before the unit deadline."""
    sent = 0
    window = now + timedelta(days=max(STEPS))
    for rnd in Round.objects.filter(closed_at__isnull=True, unit_deadline__gt=now, unit_deadline__lte=window):
        days = step_for(rnd.unit_deadline, now)
        pending = {}
        for unit_id in rnd.reports.filter(state__in=[S.SUBMITTED, S.PASSED]).values_list("declaration__unit_id",
                                                                                          flat=True):
            pending[unit_id] = pending.get(unit_id, 0) + 1
        for user in User.objects.filter(is_active=True, role=User.Role.UNIT, unit_id__in=pending):
            n = notify(user, kind="reminder_self_evaluation_unit",
                       dedupe_key=_key("selfeval_unit", rnd, user, rnd.unit_deadline, days),
                       title=_("自查评估报告审核报送将于 %(days)d 天内截止") % {"days": days},
                       body=_("“%(round)s”中还有 %(n)d 份自查评估报告待审核或报送，截止时间为 %(d)s（北京时间）。")
                       % {"round": rnd.title, "n": pending[user.unit_id], "d": _fmt(rnd.unit_deadline)},
                       url=reverse("demonstration:unit"))
            sent += n is not None
    return sent


def send(now):
    return remind_reports(now) + remind_units(now)
