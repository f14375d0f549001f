"""After the deadlines: loss of status for missing reports, the stratified sample, experts, stars, publication.

Each public function is one transaction with one audit record. Conflicts of interest are the
review's rule (review.conflicts.conflict_reason), called here, never copied.
"""

import math
import random
import secrets
from collections import defaultdict

from django.db import transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.models import User
from core.notify import notify
from review.conflicts import conflict_reason
from review.models import ReviewerProfile, ReviewSettings

from .models import DIMENSIONS, Demonstration, Rating, Report, Round
from .services import EvaluationError, _fmt

S = Report.State


def _locked_round(round):
    return Round.objects.select_for_update().select_related("guide").get(pk=round.pk)


def _revoke(declaration_ids, reason, now):
    Demonstration.objects.filter(declaration_id__in=declaration_ids).update(
        status=Demonstration.Status.REVOKED, revoked_at=now, revoked_reason=reason[:200])


# ---------------------------------------------------------------- closing the reporting phase

def close_reporting(*, round, actor, request=None, now=None):
    """After the unit deadline: every project whose report did not reach the ministry loses its status."""
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.closed_at:
            raise EvaluationError(_("本轮已于 %(d)s 截止处理") % {"d": _fmt(rnd.closed_at)})
        if not rnd.unit_deadline_passed(now):
            raise EvaluationError(_("推荐单位报送截止时间 %(d)s 之后才能截止处理") % {"d": _fmt(rnd.unit_deadline)})
        missing = list(rnd.reports.exclude(state=S.SENT_UP).values_list("declaration_id", flat=True))
        _revoke(missing, _("未按期提交自查评估报告（%(t)s）") % {"t": rnd.title}, now)
        rnd.closed_at = now
        rnd.save(update_fields=["closed_at"])
        record("demonstration.close_round", target=rnd, actor=actor, request=request,
               summary=_("自查评估截止处理：%(n)d 个项目未按期报送，取消示范资格") % {"n": len(missing)},
               data={"revoked": missing})
    return missing


# ---------------------------------------------------------------- the sample

def stratified_sample(strata, percent, seed):
    """Report ids drawn from each direction: ceil(percent%) of it, at least one.

    strata: {direction_id: [report ids]}. The same strata, percent and seed give the same sample
    on any machine: strata and ids are sorted before one random.Random(seed) draws from each in turn.
    """
    rng = random.Random(seed)
    chosen = []
    for key in sorted(strata, key=lambda k: (k is None, k or 0)):
        ids = sorted(strata[key])
        n = min(len(ids), max(1, math.ceil(len(ids) * percent / 100)))
        chosen.extend(sorted(rng.sample(ids, n)))
    return chosen


def _strata(rnd):
    strata = defaultdict(list)
    for pk, direction_id in rnd.reports.filter(state=S.SENT_UP).values_list("pk", "declaration__direction_id"):
        strata[direction_id].append(pk)
    return strata


def draw_sample(*, round, actor, seed=None, request=None, now=None):
    """Draw the spot-check sample once, stratified by direction; the seed is stored so anyone can redraw it."""
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked_round(round)
        if not rnd.closed_at:
            raise EvaluationError(_("请先在推荐单位报送截止后进行截止处理，再抽样"))
        if rnd.sampled_at:
            raise EvaluationError(_("本轮已于 %(d)s 抽样（随机种子 %(s)d），不能重抽") % {"d": _fmt(rnd.sampled_at), "s": rnd.seed})
        strata = _strata(rnd)
        if not strata:
            raise EvaluationError(_("没有已报送的自查报告可供抽查"))
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        chosen = stratified_sample(strata, rnd.sample_percent, seed)
        Report.objects.filter(pk__in=chosen).update(sampled=True)
        rnd.seed, rnd.sampled_at = seed, now
        rnd.save(update_fields=["seed", "sampled_at"])
        record("demonstration.draw_sample", target=rnd, actor=actor, request=request,
               summary=_("按方向分层抽样：%(n)d / %(t)d 份，随机种子 %(s)d")
               % {"n": len(chosen), "t": sum(len(v) for v in strata.values()), "s": seed},
               data={"seed": seed, "percent": rnd.sample_percent, "sampled": chosen,
                     "strata": {str(k): sorted(v) for k, v in strata.items()}})
    return chosen


# ---------------------------------------------------------------- experts

def expert_conflict(profile, report):
    """Why this expert must not rate this report ("" when they may): the review's conflict rule and switches."""
    decl = report.declaration
    region_switch = ReviewSettings.objects.filter(guide_id=decl.guide_id, region_conflict=True).exists()
    return conflict_reason(profile, decl, region_switch=region_switch)


def assign_expert(*, report, reviewer, actor, request=None):
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("round", "declaration__organisation").get(pk=report.pk)
        if locked.round.published_at:
            raise EvaluationError(_("本轮结果已公布，不能再分配专家"))
        if not locked.sampled:
            raise EvaluationError(_("只有抽中的项目需要分配专家"))
        if locked.outcome:
            raise EvaluationError(_("该项目已作出抽查结论"))
        profile = ReviewerProfile.objects.filter(user=reviewer).prefetch_related("conflicts").first()
        if profile is None or not reviewer.is_reviewer:
            raise EvaluationError(_("所选用户不是评审专家"))
        if not (profile.is_active and reviewer.is_active):
            raise EvaluationError(_("专家“%(name)s”当前不可参加评审") % {"name": profile.name})
        reason = expert_conflict(profile, locked)
        if reason:
            raise EvaluationError(_("不能分配给专家“%(name)s”：%(reason)s") % {"name": profile.name, "reason": reason})
        if Rating.objects.filter(report=locked, reviewer=reviewer).exists():
            raise EvaluationError(_("专家“%(name)s”已分配过该项目") % {"name": profile.name})
        rating = Rating.objects.create(report=locked, reviewer=reviewer, assigned_by=actor)
        record("demonstration.assign_expert", target=locked, actor=actor, request=request,
               summary=_("分配抽查专家“%(name)s”") % {"name": profile.name}, data={"reviewer": reviewer.pk})
        notify(reviewer, kind="star_rating_assigned", title=_("您有新的示范项目抽查评价任务"),
               body=_("“%(round)s”请您对 1 个抽查项目进行星级评价。") % {"round": locked.round.title},
               url=reverse("demonstration:rate", args=[rating.pk]))
    return rating


def parse_stars(raw):
    """{field: 1..5} from posted strings for the four dimensions and the overall level, or EvaluationError."""
    values, errors = {}, {}
    for key, label in [*DIMENSIONS, ("overall", _("总体星级"))]:
        text = str(raw.get(key) or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= 5:
            errors[key] = _("“%(label)s”请选择 1 到 5 星") % {"label": label}
        else:
            values[key] = int(text)
    if errors:
        raise EvaluationError(_("请为每一项选择 1 到 5 星"), errors)
    return values


def submit_rating(*, rating, actor, stars, comment, request=None, now=None):
    """The expert's stars (1–5 on each of the four dimensions, and overall) with a comment; changeable until publication."""
    now = now or timezone.now()
    values = parse_stars(stars)
    comment = (comment or "").strip()
    if not comment:
        raise EvaluationError(_("请填写评价意见"), {"comment": _("请填写评价意见")})
    if len(comment) > 2000:
        raise EvaluationError(_("评价意见不能超过 2000 字"), {"comment": _("评价意见不能超过 2000 字")})
    with transaction.atomic():
        locked = Rating.objects.select_for_update().select_related("report__round", "report__declaration__organisation") \
            .get(pk=rating.pk)
        if locked.reviewer_id != actor.pk:
            raise EvaluationError(_("这不是您的评价任务"))
        report = locked.report
        if report.round.published_at or report.outcome:
            raise EvaluationError(_("该项目的抽查结论已作出，不能再修改评价"))
        profile = ReviewerProfile.objects.filter(user=actor).first()
        reason = expert_conflict(profile, report)
        if reason:
            raise EvaluationError(_("您须回避该项目：%(r)s") % {"r": reason})
        for k, v in values.items():
            setattr(locked, k, v)
        locked.comment, locked.submitted_at = comment, now
        locked.save()
        record("demonstration.rate", target=report, actor=actor, request=request,
               summary=_("提交星级评价：%(n)d 星") % {"n": values["overall"]}, data=values)
    return locked


def suggested_level(report):
    """The experts' mean overall level, rounded half up (1–5), or None before any rating."""
    mean = report.ratings.filter(submitted_at__isnull=False).aggregate(m=Avg("overall"))["m"]
    return None if mean is None else int(math.floor(float(mean) + 0.5))


def conclude(*, report, outcome, star_level, comment, actor, request=None, now=None):
    """The ministry's conclusion on a sampled report: 合格 with a star level, or 不合格 (the project loses its status)."""
    now = now or timezone.now()
    if outcome not in Report.Outcome.values:
        raise EvaluationError(_("请选择抽查结论：合格或不合格"), {"outcome": _("请选择合格或不合格")})
    level = None
    if outcome == Report.Outcome.PASS:
        text = str(star_level or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise EvaluationError(_("合格的项目请评定 1 到 5 星"), {"star_level": _("请选择 1 到 5 星")})
        level = int(text)
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("round", "declaration").get(pk=report.pk)
        if locked.round.published_at:
            raise EvaluationError(_("本轮结果已公布，不能再修改结论"))
        if not locked.sampled:
            raise EvaluationError(_("只有抽中的项目需要作出抽查结论"))
        if not locked.ratings.filter(submitted_at__isnull=False).exists():
            raise EvaluationError(_("至少一位专家提交星级评价后才能作出结论"))
        locked.outcome, locked.star_level, locked.conclusion, locked.concluded_at = outcome, level, comment, now
        locked.save()
        if outcome == Report.Outcome.FAIL:
            _revoke([locked.declaration_id], _("示范项目抽查不合格（%(t)s）") % {"t": locked.round.title}, now)
        else:
            Demonstration.objects.filter(declaration_id=locked.declaration_id).update(
                status=Demonstration.Status.ACTIVE, revoked_at=None, revoked_reason="")
        record("demonstration.conclude", target=locked, actor=actor, request=request,
               summary=(_("抽查结论：合格，%(n)d 星") % {"n": level}) if level else _("抽查结论：不合格，取消示范资格"),
               data={"outcome": outcome, "star_level": level})
    return locked


def publish_round(*, round, actor, request=None, now=None):
    """Publish every project's result and star level on the public page and tell the applicants."""
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.published_at:
            raise EvaluationError(_("本轮结果已于 %(d)s 公布") % {"d": _fmt(rnd.published_at)})
        if not rnd.sampled_at:
            raise EvaluationError(_("请先截止处理并抽样，再公布结果"))
        open_ = rnd.reports.filter(sampled=True, outcome="").count()
        if open_:
            raise EvaluationError(_("还有 %(n)d 个抽查项目未作出结论") % {"n": open_})
        rnd.published_at = now
        rnd.save(update_fields=["published_at"])
        record("demonstration.publish", target=rnd, actor=actor, request=request,
               summary=_("公布自查评估与抽查结果“%(t)s”") % {"t": rnd.title})

        url = reverse("demonstration:results_round", args=[rnd.pk])
        orgs = set(rnd.reports.values_list("declaration__organisation_id", flat=True))
        for user in User.objects.filter(is_active=True, role=User.Role.APPLICANT, organisation_id__in=orgs):
            notify(user, kind="self_evaluation_published", title=_("示范项目自查评估结果已公布"), url=url,
                   body=_("“%(t)s”的结果已公布，请查看贵单位项目的结果与星级。") % {"t": rnd.title},
                   dedupe_key=f"selfeval:published:{rnd.pk}:{user.pk}")
    return rnd
