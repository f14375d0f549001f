"""Scoring: a reviewer's draft and submitted review of one assignment, and the ministry reopening one.

Owns validating posted scores against the declaration's sheet, saving a draft or submitting, refusing
reviewers the ministry marked unavailable, and reopening a submitted review with a reason.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notify import notify

from .base import ReviewError, record_on
from .conflicts import conflict_reason
from .models import Assignment, Review, Score
from .scores import rescore
from .setup import profile_of, settings_for, sheet_for

UNAVAILABLE_MESSAGE = _("您已被主管部门标记为暂不参加评审，不能再对未提交的任务评分；已提交的评分仍可查看。如有疑问请联系主管部门。")


# ---------------------------------------------------------------- scoring


def parse_scores(criteria, raw, *, require_all):
    """Validate the posted scores; returns ({criterion_id: Decimal}, {field: message})."""
    values, errors = {}, {}
    for c in criteria:
        key = f"score_{c.pk}"
        text = (raw.get(key) or "").strip() if raw.get(key) is not None else ""
        if text == "":
            if require_all:
                errors[key] = _("请为“%(name)s”打分") % {"name": c.name}
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            errors[key] = _("“%(name)s”的得分须为数字") % {"name": c.name}
            continue
        if not value.is_finite():
            errors[key] = _("“%(name)s”的得分须为数字") % {"name": c.name}
            continue
        if value < 0 or value > c.max_points:
            errors[key] = _("“%(name)s”的得分须在 0 到 %(max)s 分之间") % {
                "name": c.name, "max": format(c.max_points.normalize(), "f")}
            continue
        if value != value.quantize(Decimal("0.1")):
            errors[key] = _("“%(name)s”的得分最多保留一位小数") % {"name": c.name}
            continue
        values[c.pk] = value
    return values, errors


def save_review(*, assignment, actor, scores, comment, submit=False, request=None):
    """Save the reviewer's scores as a draft, or submit them (final until an admin reopens)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        a = Assignment.objects.select_for_update(of=("self",)).select_related(
            "declaration__guide", "declaration__organisation", "reviewer").get(pk=assignment.pk)
        if a.state != Assignment.State.ACTIVE:
            raise ReviewError(_("该评审任务已谢绝，不能评分"))
        if settings_for(a.declaration.guide).is_published:
            raise ReviewError(_("评审结果已公布，不能再修改评分"))
        cfg = settings_for(a.declaration.guide)
        profile = profile_of(a.reviewer)
        if profile is not None and not profile.is_active:
            raise ReviewError(UNAVAILABLE_MESSAGE)
        if conflict_reason(profile, a.declaration, region_switch=cfg.region_conflict):
            raise ReviewError(_("您与该项目的申报单位存在回避情形，不能评分"))
        review, _created = Review.objects.get_or_create(assignment=a)
        if review.state == Review.State.SUBMITTED:
            raise ReviewError(_("评分已提交，如需修改请联系主管部门退回"))
        criteria = list(sheet_for(a.declaration).criteria.all())
        values, errors = parse_scores(criteria, scores, require_all=submit)
        if len(comment) > 2000:
            errors["comment"] = _("评审意见不能超过 2000 字")
        elif submit and len(comment) < 10:
            errors["comment"] = _("提交前请填写评审意见（至少 10 个字）")
        if errors:
            raise ReviewError(_("评分有误，请按提示修改"), errors)
        review.scores.exclude(criterion_id__in=values.keys()).delete()
        for cid, value in values.items():
            Score.objects.update_or_create(review=review, criterion_id=cid, defaults={"value": value})
        review.comment = comment
        if submit:
            weights = {c.pk: c.weight for c in criteria}
            review.total = sum((v * weights[cid] for cid, v in values.items()), Decimal(0)).quantize(Decimal("0.01"))
            review.state = Review.State.SUBMITTED
            review.submitted_at = timezone.now()
        review.save()
        if submit:  # a draft changes no score: only a submitted total counts
            rescore(a.declaration.guide_id, [a.declaration_id], [a.reviewer_id])
        record_on(a.declaration, "review.submit" if submit else "review.save_draft", actor=actor, request=request,
               summary=_("提交评分") if submit else _("保存评分草稿"), data={"assignment": a.pk})
    return review


def submit_review(*, assignment, actor, scores, comment, request=None):
    return save_review(assignment=assignment, actor=actor, scores=scores, comment=comment, submit=True,
                       request=request)


def reopen_review(*, review, actor, reason, request=None):
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("退回评分时请填写理由，专家将看到该理由"))
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).select_related(
            "assignment__declaration__guide", "assignment__reviewer").get(pk=review.pk)
        if settings_for(review.assignment.declaration.guide).is_published:
            raise ReviewError(_("评审结果已公布，不能再退回评分"))
        if review.state != Review.State.SUBMITTED:
            raise ReviewError(_("该评分尚未提交，无需退回"))
        review.state = Review.State.DRAFT
        review.total = None
        review.submitted_at = None
        review.save()
        rescore(review.assignment.declaration.guide_id, [review.assignment.declaration_id],
                [review.assignment.reviewer_id])
        record_on(review.assignment.declaration, "review.reopen", actor=actor, reason=reason, request=request,
               summary=_("退回专家“%(name)s”的评分") % {"name": review.assignment.reviewer},
               data={"assignment": review.assignment_id})
        notify(review.assignment.reviewer, kind="review_reopened", title=_("评分已退回修改"),
               url=reverse("review:score", args=[review.assignment_id]),
               body=_("主管部门退回了您的一份评分，理由：%(reason)s") % {"reason": reason})
    return review
