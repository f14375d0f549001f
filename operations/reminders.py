"""Deadline reminders across the rooms, run by Celery beat (operations.tasks.send_reminders).

Each reminder is a Notification with a dedupe_key naming who, what, which guide
and which step (7, 3 or 1 days before), so running beat twice, or two beats at
once, stores and mails it once. A run that starts late sends only the step that
applies now: at 2 days left the 3-day reminder, never also the 7-day one.

The steps themselves (core.reminders) are shared with the demonstration room's reminders.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.notify import notify
from core.reminders import STEPS, step_for
from declarations.models import Declaration, Guide
from demonstration.reminders import send as send_round_reminders
from quotas.models import RecommendationList, UnitGuideSetting
from review.models import Assignment


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _key(kind, guide, user, deadline, days):
    """Names one reminder; the deadline is part of it, so an extension starts the 7/3/1 steps afresh."""
    return f"remind:{kind}:{guide.pk}:{user.pk}:{int(deadline.timestamp())}:{days}"


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _open_drafts(guide):
    """(user, declaration) for every active applicant user whose organisation has a draft or returned one."""
    open_states = [Declaration.State.DRAFT, Declaration.State.RETURNED]
    open_drafts = Declaration.objects.filter(guide=guide, organisation_id=OuterRef("organisation_id"),
                                             state__in=open_states)
    users = User.objects.filter(is_active=True, role=User.Role.APPLICANT).filter(Exists(open_drafts))
    decls = {d.organisation_id: d for d in Declaration.objects.filter(guide=guide, state__in=open_states)}
    return [(user, decls[user.organisation_id]) for user in users if user.organisation_id in decls]


def remind_applicants(now):
    sent = 0
    for guide in Guide.objects.published().filter(applicant_deadline__gt=now,
                                                  applicant_deadline__lte=now + timedelta(days=max(STEPS))):
        days = step_for(guide.applicant_deadline, now)
        for user, decl in _open_drafts(guide):
            n = notify(user, kind="reminder_draft",
                       dedupe_key=_key("draft", guide, user, guide.applicant_deadline, days),
                       title=_("申报将于 %(days)d 天内截止，您的申报尚未提交") % {"days": days},
                       body=_("“%(guide)s”的申报将于 %(deadline)s（北京时间）截止。贵单位的项目“%(project)s”尚未提交，"
                              "请在截止前完成填报并提交。") % {
                           "guide": guide.title, "deadline": _fmt(guide.applicant_deadline), "project": decl},
                       url=_url("declarations:edit", decl.pk))
            sent += n is not None
    return sent


def _units_to_confirm(guide):
    """{unit_id: its deadline} for units with something to confirm under the guide and no confirmed list."""
    extensions = dict(UnitGuideSetting.objects.filter(guide=guide, deadline__isnull=False)
                      .values_list("unit_id", "deadline"))
    confirmed = set(RecommendationList.objects.filter(guide=guide, state=RecommendationList.State.CONFIRMED)
                    .values_list("unit_id", flat=True))
    # Units that have something to confirm: a list, or declarations submitted to them.
    expected = set(RecommendationList.objects.filter(guide=guide).values_list("unit_id", flat=True))
    expected |= set(Declaration.objects.filter(guide=guide, unit__isnull=False)
                    .exclude(state=Declaration.State.DRAFT).values_list("unit_id", flat=True))
    return {unit_id: extensions.get(unit_id, guide.unit_deadline) for unit_id in expected - confirmed}


def remind_units(now):
    """Staff of units whose list is not confirmed, by each unit's own deadline (admin extensions count)."""
    sent = 0
    window = now + timedelta(days=max(STEPS))
    guides = Guide.objects.published().filter(
        Q(unit_deadline__gt=now) | Q(unit_settings__deadline__gt=now)).distinct()
    for guide in guides:
        due = {u: d for u, d in _units_to_confirm(guide).items() if d is not None and now < d <= window}
        if not due:
            continue
        for user in User.objects.filter(is_active=True, role=User.Role.UNIT, unit_id__in=due).select_related("unit"):
            deadline = due[user.unit_id]
            days = step_for(deadline, now)
            n = notify(user, kind="reminder_unit", dedupe_key=_key("unit", guide, user, deadline, days),
                       title=_("推荐名单将于 %(days)d 天内截止确认") % {"days": days},
                       body=_("“%(guide)s”中，%(unit)s 的推荐名单尚未确认，确认截止时间为 %(deadline)s（北京时间）。"
                              "请及时完成形式审查、排序并确认推荐名单。") % {
                           "guide": guide.title, "unit": user.unit.name, "deadline": _fmt(deadline)},
                       url=_url("quotas:workspace"))
            sent += n is not None
    return sent


def announce_extension(guide_id, *, applicant_deadline=False, unit_deadline=False):
    """Tell those still working on a published guide that its deadline moved (once per new deadline)."""
    guide = Guide.objects.filter(pk=guide_id, is_published=True).first()
    if guide is None:
        return 0
    sent = 0
    if applicant_deadline and guide.applicant_deadline:
        stamp = int(guide.applicant_deadline.timestamp())
        for user, decl in _open_drafts(guide):
            n = notify(user, kind="deadline_extended", dedupe_key=f"extend:draft:{guide.pk}:{user.pk}:{stamp}",
                       title=_("申报截止时间已延期至 %(deadline)s") % {"deadline": _fmt(guide.applicant_deadline)},
                       body=_("“%(guide)s”的申报截止时间已延期至 %(deadline)s（北京时间）。贵单位的项目“%(project)s”"
                              "尚未提交，请在新的截止时间前完成。") % {
                           "guide": guide.title, "deadline": _fmt(guide.applicant_deadline), "project": decl},
                       url=_url("declarations:edit", decl.pk))
            sent += n is not None
    if unit_deadline and guide.unit_deadline:
        stamp = int(guide.unit_deadline.timestamp())
        # units with an extension of their own keep it; only those on the guide's deadline are told
        due = {u for u, d in _units_to_confirm(guide).items() if d == guide.unit_deadline}
        for user in User.objects.filter(is_active=True, role=User.Role.UNIT, unit_id__in=due):
            n = notify(user, kind="deadline_extended", dedupe_key=f"extend:unit:{guide.pk}:{user.pk}:{stamp}",
                       title=_("推荐名单确认截止时间已延期至 %(deadline)s") % {"deadline": _fmt(guide.unit_deadline)},
                       body=_("“%(guide)s”的推荐名单确认截止时间已延期至 %(deadline)s（北京时间）。") % {
                           "guide": guide.title, "deadline": _fmt(guide.unit_deadline)},
                       url=_url("quotas:workspace"))
            sent += n is not None
    return sent


def remind_reviewers(now):
    """Reviewers with active assignments not yet scored, once a week while any is older than three days."""
    year, week, _weekday = timezone.localtime(now).isocalendar()
    pending = (Assignment.objects.filter(state=Assignment.State.ACTIVE, created_at__lte=now - timedelta(days=3))
               .exclude(review__state="submitted").filter(declaration__state=Declaration.State.RECOMMENDED))
    counts = {}
    for reviewer_id, guide_id in pending.values_list("reviewer_id", "declaration__guide_id"):
        counts[(reviewer_id, guide_id)] = counts.get((reviewer_id, guide_id), 0) + 1
    users = User.objects.in_bulk({r for r, _g in counts})
    guides = Guide.objects.in_bulk({g for _r, g in counts})
    sent = 0
    for (reviewer_id, guide_id), n_open in sorted(counts.items()):
        user = users[reviewer_id]
        if not user.is_active:
            continue
        n = notify(user, kind="reminder_review", dedupe_key=f"remind:review:{guide_id}:{user.pk}:{year}w{week}",
                   title=_("您有 %(n)d 个评审任务尚未完成") % {"n": n_open},
                   body=_("“%(guide)s”中，您还有 %(n)d 个项目尚未提交评分，请尽快完成评审。") % {
                       "guide": guides[guide_id].title, "n": n_open},
                   url=_url("review:queue"))
        sent += n is not None
    return sent


def send_reminders(now=None):
    """Every reminder due now; returns how many were newly sent."""
    now = now or timezone.now()
    return {"applicants": remind_applicants(now), "units": remind_units(now), "reviewers": remind_reviewers(now),
            "self_evaluation": remind_self_evaluation(now)}


def remind_self_evaluation(now):
    """The demonstration room's reminders before a self-evaluation round's deadlines."""
    return send_round_reminders(now)
