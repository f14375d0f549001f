"""Who reviews what: automatic and manual assignment of reviewers to recommended declarations.

Owns the assignment run (N conflict-free reviewers of the declaration's panel, balancing load),
adding, removing and swapping a reviewer by the ministry, and a reviewer declining a task.
Nothing here scores; scoring.py writes reviews of the assignments made here.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from declarations.models import Declaration

from .base import ReviewError, record_on
from .conflicts import conflict_reason, declared_conflict_ids
from .models import Assignment, Panel, Review, ReviewerProfile
from .setup import profile_of, settings_for

S = Declaration.State


@dataclass
class AssignmentReport:
    created: int = 0
    problems: list = field(default_factory=list)
    loads: dict = field(default_factory=dict)  # reviewer name -> active assignments after the run


def _active_load(guide):
    return dict(Assignment.objects.filter(declaration__guide=guide, state=Assignment.State.ACTIVE)
                .values_list("reviewer_id").annotate(n=Count("id")).values_list("reviewer_id", "n"))


def assign_reviewers(*, guide, actor, panel=None, request=None):
    """Give each recommended declaration of the guide (or one panel) N conflict-free reviewers of its panel.

    Greedy and deterministic: the most constrained declaration first (fewest candidates,
    then id), each taking the least-loaded candidates (then the experts of its direction,
    then the lowest user id). Existing assignments are kept; declined reviewers are not
    asked again. Returns a report that names every declaration left short and why.
    """
    with transaction.atomic():
        cfg = settings_for(guide)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布，不能再分配"))
        need = cfg.reviewers_per_declaration
        panels = list(Panel.objects.filter(guide=guide).prefetch_related("directions", "reviewers"))
        if panel is not None:
            panels = [p for p in panels if p.pk == panel.pk]
        report = AssignmentReport()
        decls = list(Declaration.objects.filter(guide=guide, state=S.RECOMMENDED)
                     .select_related("organisation", "direction").order_by("pk"))
        panel_of_direction = {}
        for p in panels:
            for d in p.directions.all():
                panel_of_direction.setdefault(d.pk, p)
        all_panels_run = panel is None
        existing = {}
        for a in Assignment.objects.filter(declaration__guide=guide).only("declaration_id", "reviewer_id", "state"):
            existing.setdefault(a.declaration_id, []).append(a)
        load = _active_load(guide)
        reviewer_ids = {u.pk for p in panels for u in p.reviewers.all()}
        profiles = {p.user_id: p for p in ReviewerProfile.objects.filter(user_id__in=reviewer_ids)
                    .select_related("user").prefetch_related("conflicts", "expertise")}
        conflicts = {uid: declared_conflict_ids(p) for uid, p in profiles.items()}
        expertise = {uid: {d.pk for d in p.expertise.all()} for uid, p in profiles.items()}
        work = []
        for decl in decls:
            p = panel_of_direction.get(decl.direction_id)
            if p is None:
                if all_panels_run:
                    report.problems.append(_("《%(name)s》（方向 %(dir)s）：该方向未设置评审组，无法分配")
                                           % {"name": decl.project_name, "dir": decl.direction})
                continue
            rows = existing.get(decl.pk, [])
            active = [a.reviewer_id for a in rows if a.state == Assignment.State.ACTIVE]
            taken = {a.reviewer_id for a in rows}
            missing = need - len(active)
            if missing <= 0:
                continue
            candidates, excluded = [], {"inactive": 0, "conflict": 0, "declined": 0}
            for user in p.reviewers.all():
                prof = profiles.get(user.pk)
                if user.pk in taken:
                    if user.pk not in active:
                        excluded["declined"] += 1
                    continue
                if prof is None or not prof.is_active or not user.is_active:
                    excluded["inactive"] += 1
                    continue
                if conflict_reason(prof, decl, region_switch=cfg.region_conflict, conflict_ids=conflicts[user.pk]):
                    excluded["conflict"] += 1
                    continue
                candidates.append(user.pk)
            work.append((len(candidates) - missing, decl.pk, decl, p, candidates, missing, excluded))
        work.sort(key=lambda w: (w[0], w[1]))
        new_rows, touched = [], {}
        for _slack, _pk, decl, p, candidates, missing, excluded in work:
            chosen = sorted(candidates, key=lambda uid: (
                load.get(uid, 0), 0 if decl.direction_id in expertise.get(uid, set()) else 1, uid))[:missing]
            for uid in chosen:
                load[uid] = load.get(uid, 0) + 1
                touched[uid] = touched.get(uid, 0) + 1
                new_rows.append(Assignment(declaration=decl, reviewer_id=uid, assigned_by=actor))
            if len(chosen) < missing:
                have = need - missing + len(chosen)
                report.problems.append(_(
                    "《%(name)s》（%(panel)s）只分配到 %(have)d 名专家，需要 %(need)d 名：评审组共 %(total)d 名专家，"
                    "其中 %(conflict)d 名需回避，%(declined)d 名已谢绝，%(inactive)d 名不可参加评审")
                    % {"name": decl.project_name, "panel": p.name, "have": have, "need": need,
                       "total": len(p.reviewers.all()), "conflict": excluded["conflict"],
                       "declined": excluded["declined"], "inactive": excluded["inactive"]})
        Assignment.objects.bulk_create(new_rows)
        report.created = len(new_rows)
        names = {uid: (profiles[uid].name if uid in profiles else str(uid)) for uid in load}
        report.loads = {names[uid]: n for uid, n in sorted(load.items())}
        record("review.assign", target=guide, actor=actor, request=request,
               summary=_("自动分配评审专家：新增 %(n)d 条分配") % {"n": report.created},
               data={"created": report.created, "problems": [str(x) for x in report.problems],
                     "panel": panel.pk if panel else None})
        url = reverse("review:queue")
        for uid, n in touched.items():
            notify(profiles[uid].user, kind="reviewer_assigned", title=_("您有新的评审任务"), url=url,
                   body=_("“%(guide)s”为您分配了 %(n)d 个待评审项目，请登录系统评审。") % {"guide": guide, "n": n})
    return report


def _check_can_assign(declaration, reviewer, cfg):
    if cfg.is_published:
        raise ReviewError(_("评审结果已公布，不能再调整分配"))
    if declaration.state != S.RECOMMENDED:
        raise ReviewError(_("只有已推荐的项目可以分配评审专家"))
    prof = profile_of(reviewer)
    if prof is None or not reviewer.is_reviewer:
        raise ReviewError(_("所选用户不是评审专家"))
    if not prof.is_active:
        raise ReviewError(_("专家“%(name)s”当前不可参加评审") % {"name": prof.name})
    reason = conflict_reason(prof, declaration, region_switch=cfg.region_conflict)
    if reason:
        raise ReviewError(_("不能分配给专家“%(name)s”：%(reason)s") % {"name": prof.name, "reason": reason})
    if Assignment.objects.filter(declaration=declaration, reviewer=reviewer).exists():
        raise ReviewError(_("专家“%(name)s”已分配过该项目（含已谢绝）") % {"name": prof.name})
    return prof


def add_reviewer(*, declaration, reviewer, actor, request=None):
    with transaction.atomic():
        cfg = settings_for(declaration.guide)
        prof = _check_can_assign(declaration, reviewer, cfg)
        a = Assignment.objects.create(declaration=declaration, reviewer=reviewer, assigned_by=actor)
        record_on(declaration, "review.assign_manual", actor=actor, request=request,
               summary=_("手动分配评审专家“%(name)s”") % {"name": prof.name}, data={"reviewer": reviewer.pk})
        notify(reviewer, kind="reviewer_assigned", title=_("您有新的评审任务"), url=reverse("review:queue"),
               body=_("“%(guide)s”为您分配了 1 个待评审项目。") % {"guide": declaration.guide})
    return a


def _remove(assignment):
    review = Review.objects.filter(assignment=assignment).first()
    if review and review.state == Review.State.SUBMITTED:
        raise ReviewError(_("该专家已提交评分，不能移除；如确需调整，请先退回其评分"))
    assignment.delete()


def remove_assignment(*, assignment, actor, reason="", request=None):
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update(of=("self",)).select_related("declaration", "reviewer").get(
            pk=assignment.pk)
        if settings_for(assignment.declaration.guide).is_published:
            raise ReviewError(_("评审结果已公布，不能再调整分配"))
        _remove(assignment)
        record_on(assignment.declaration, "review.unassign", actor=actor, reason=reason, request=request,
               summary=_("移除评审专家“%(name)s”") % {"name": assignment.reviewer},
               data={"reviewer": assignment.reviewer_id})


def swap_reviewer(*, assignment, new_reviewer, actor, request=None):
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update(of=("self",)).select_related("declaration__organisation",
                                                                           "reviewer").get(pk=assignment.pk)
        decl = assignment.declaration
        cfg = settings_for(decl.guide)
        prof = _check_can_assign(decl, new_reviewer, cfg)
        old = assignment.reviewer
        _remove(assignment)
        a = Assignment.objects.create(declaration=decl, reviewer=new_reviewer, assigned_by=actor)
        record_on(decl, "review.swap", actor=actor, request=request,
               summary=_("更换评审专家：“%(old)s” → “%(new)s”") % {"old": old, "new": prof.name},
               data={"from": old.pk, "to": new_reviewer.pk})
        notify(new_reviewer, kind="reviewer_assigned", title=_("您有新的评审任务"), url=reverse("review:queue"),
               body=_("“%(guide)s”为您分配了 1 个待评审项目。") % {"guide": decl.guide})
    return a


def decline_assignment(*, assignment, actor, reason, request=None):
    """The reviewer declines (e.g. a conflict the system could not know); the slot becomes free."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("请填写谢绝理由"), {"reason": _("请填写谢绝理由")})
    if len(reason) > 500:
        raise ReviewError(_("谢绝理由不能超过 500 字"), {"reason": _("谢绝理由不能超过 500 字")})
    with transaction.atomic():
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if a.state != Assignment.State.ACTIVE:
            raise ReviewError(_("该评审任务已谢绝"))
        review = Review.objects.filter(assignment=a).first()
        if review and review.state == Review.State.SUBMITTED:
            raise ReviewError(_("评分已提交，不能再谢绝"))
        if review:
            review.delete()
        a.state = Assignment.State.DECLINED
        a.decline_reason = reason
        a.declined_at = timezone.now()
        a.save(update_fields=["state", "decline_reason", "declined_at"])
        record_on(a.declaration, "review.decline", actor=actor, reason=reason, request=request,
               summary=_("评审专家“%(name)s”谢绝评审") % {"name": actor}, data={"assignment": a.pk})
    return a
