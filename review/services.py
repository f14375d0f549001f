"""Everything that changes review data. Each public function is one transaction with one audit record.

Views, forms, the demo loader and tests call these; nothing else writes review rows
or moves a declaration to selected / not_selected.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify, notify_many
from declarations.models import Declaration
from declarations.services import transition

from .conflicts import conflict_reason, declared_conflict_ids
from .models import (
    Assignment, ConflictDeclaration, Criterion, DirectionSetting, Panel, Review, ReviewerProfile, ReviewSettings,
    Score, ScoringSheet, Selection,
)
from .workdays import add_working_days, working_days

S = Declaration.State
OUTSTANDING_REASON_MIN = 10

# The four dimensions the 2021 notice names, to 100 points: each scored out of 100, weighted.
DEFAULT_CRITERIA = [
    ("项目综合实力", "申报主体的综合实力、项目建设基础与组织保障，数据资源与基础设施条件。", 100, "0.30"),
    ("关键技术创新", "技术先进性、关键创新点与自主知识产权，对开源框架与工具的贡献。", 100, "0.30"),
    ("经济社会效益", "已取得的经济效益和社会效益，应用案例的规模与实效。", 100, "0.20"),
    ("产业化推广价值", "在行业内复制推广的价值、可推广的模式与带动作用。", 100, "0.20"),
]


UNAVAILABLE_MESSAGE = _("您已被主管部门标记为暂不参加评审，不能再对未提交的任务评分；已提交的评分仍可查看。如有疑问请联系主管部门。")


class ReviewError(Exception):
    """A request the review rules refuse; the message is for the user."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _record_on(declaration, action, **kwargs):
    """Audit a review step about one declaration. The record targets the guide, not the declaration,
    so the declaration's history that applicants and units read shows nothing before publication
    (decide, then release); review.queries.declaration_history finds it through data["declaration"]."""
    data = {"declaration": declaration.pk, **(kwargs.pop("data", None) or {})}
    return record(action, target=declaration.guide, data=data, **kwargs)


# ---------------------------------------------------------------- setup

def settings_for(guide):
    obj, _created = ReviewSettings.objects.get_or_create(guide=guide)
    return obj


def ensure_default_sheet(guide, criteria=None):
    """The guide's default sheet, created with the 2021 dimensions (or `criteria` from a data file) if missing."""
    sheet, created = ScoringSheet.objects.get_or_create(guide=guide, direction=None,
                                                        defaults={"name": _("默认评分表")})
    if created:
        rows = criteria or [{"name": n, "guidance": g, "max_points": m, "weight": w}
                            for n, g, m, w in DEFAULT_CRITERIA]
        Criterion.objects.bulk_create([
            Criterion(sheet=sheet, name=r["name"], guidance=r.get("guidance", ""),
                      max_points=Decimal(str(r["max_points"])), weight=Decimal(str(r.get("weight", 1))), order=i)
            for i, r in enumerate(rows)])
    return sheet


def sheet_for(declaration):
    """The direction's own sheet if it has one, else the guide's default."""
    # One query for both (the direction's sheet sorts first), with the criteria prefetched.
    sheet = (ScoringSheet.objects.filter(Q(direction_id=declaration.direction_id) | Q(direction__isnull=True),
                                         guide_id=declaration.guide_id)
             .order_by(F("direction_id").asc(nulls_last=True)).prefetch_related("criteria").first())
    return sheet or ensure_default_sheet(declaration.guide)


def sheet_max_total(criteria):
    return sum((c.max_points * c.weight for c in criteria), Decimal(0))


def panel_of(declaration):
    return Panel.objects.filter(guide_id=declaration.guide_id, directions=declaration.direction_id).first()


def profile_of(user):
    return ReviewerProfile.objects.filter(user=user).first()


# ---------------------------------------------------------------- assignment

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
        _record_on(declaration, "review.assign_manual", actor=actor, request=request,
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
        _record_on(assignment.declaration, "review.unassign", actor=actor, reason=reason, request=request,
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
        _record_on(decl, "review.swap", actor=actor, request=request,
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
        _record_on(a.declaration, "review.decline", actor=actor, reason=reason, request=request,
               summary=_("评审专家“%(name)s”谢绝评审") % {"name": actor}, data={"assignment": a.pk})
    return a


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
        _record_on(a.declaration, "review.submit" if submit else "review.save_draft", actor=actor, request=request,
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
        _record_on(review.assignment.declaration, "review.reopen", actor=actor, reason=reason, request=request,
               summary=_("退回专家“%(name)s”的评分") % {"name": review.assignment.reviewer},
               data={"assignment": review.assignment_id})
        notify(review.assignment.reviewer, kind="review_reopened", title=_("评分已退回修改"),
               url=reverse("review:score", args=[review.assignment_id]),
               body=_("主管部门退回了您的一份评分，理由：%(reason)s") % {"reason": reason})
    return review


# ---------------------------------------------------------------- selection and publication

def min_reviews_by_direction(guide):
    """{direction id: the fewest submitted reviews a project needs to be ranked and selected} (panel data).

    A direction with no panel needs one: nothing is selected unscored.
    """
    rows = Panel.directions.through.objects.filter(panel__guide=guide).values_list("direction_id",
                                                                                   "panel__min_reviews")
    return {direction: n for direction, n in rows}


def submitted_reviews(declaration_ids):
    return dict(Review.objects.filter(assignment__declaration_id__in=declaration_ids, state=Review.State.SUBMITTED)
                .values_list("assignment__declaration_id").annotate(n=Count("id")).values_list(
                    "assignment__declaration_id", "n"))


def _check_enough_reviews(guide, decls):
    minimum = min_reviews_by_direction(guide)
    have = submitted_reviews([d.pk for d in decls])
    for d in decls:
        need = minimum.get(d.direction_id, 1)
        if have.get(d.pk, 0) < need:
            raise ReviewError(_("《%(name)s》只有 %(have)d 份已提交的评分，评审组要求至少 %(need)d 份，不能入选")
                              % {"name": d.project_name, "have": have.get(d.pk, 0), "need": need})


def selection_limit(direction):
    setting = DirectionSetting.objects.filter(direction=direction).first()
    return setting.selection_limit if setting else None


def set_selected(*, declaration, selected, actor, request=None):
    """Mark or unmark a recommended declaration as selected, within its direction's limit."""
    with transaction.atomic():
        decl = Declaration.objects.select_related("guide", "direction").get(pk=declaration.pk)
        # One lock per guide serialises selections, so two admins cannot both take a direction's last place.
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(decl.guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布，不能再调整入选名单"))
        if decl.state != S.RECOMMENDED:
            raise ReviewError(_("只有已推荐的项目可以入选"))
        exists = Selection.objects.filter(declaration=decl).exists()
        if selected and not exists:
            _check_enough_reviews(decl.guide, [decl])
            limit = selection_limit(decl.direction)
            if limit is not None:
                taken = Selection.objects.filter(declaration__guide=decl.guide,
                                                 declaration__direction=decl.direction).count()
                if taken >= limit:
                    raise ReviewError(_("方向“%(dir)s”最多入选 %(n)d 个项目，已选满") % {"dir": decl.direction, "n": limit})
            Selection.objects.create(declaration=decl, created_by=actor)
            _record_on(decl, "review.select", actor=actor, request=request, summary=_("列入拟入选名单"))
        elif not selected and exists:
            Selection.objects.filter(declaration=decl).delete()
            _record_on(decl, "review.unselect", actor=actor, request=request, summary=_("移出拟入选名单"))
    return selected


def select_projects(*, guide, declaration_ids, actor, request=None):
    """Make exactly `declaration_ids` the selected set of the guide (checked against each direction's limit)."""
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布，不能再调整入选名单"))
        ids = set(int(i) for i in declaration_ids)
        decls = list(Declaration.objects.filter(guide=guide, pk__in=ids, state=S.RECOMMENDED).select_related("direction"))
        if len(decls) != len(ids):
            raise ReviewError(_("所选项目中有不属于本指南或不处于“已推荐”状态的项目"))
        _check_enough_reviews(guide, decls)
        per_direction = {}
        for d in decls:
            per_direction.setdefault(d.direction, []).append(d)
        limits = dict(DirectionSetting.objects.filter(direction__guide=guide).values_list("direction_id",
                                                                                        "selection_limit"))
        for direction, items in per_direction.items():
            limit = limits.get(direction.pk)
            if limit is not None and len(items) > limit:
                raise ReviewError(_("方向“%(dir)s”最多入选 %(n)d 个项目，当前选择了 %(have)d 个")
                                  % {"dir": direction, "n": limit, "have": len(items)})
        Selection.objects.filter(declaration__guide=guide).exclude(declaration_id__in=ids).delete()
        have = set(Selection.objects.filter(declaration__guide=guide).values_list("declaration_id", flat=True))
        Selection.objects.bulk_create([Selection(declaration_id=i, created_by=actor) for i in ids - have])
        record("review.select_list", target=guide, actor=actor, request=request,
               summary=_("确定拟入选名单：%(n)d 个项目") % {"n": len(ids)}, data={"declarations": sorted(ids)})


def notice_problems(cfg, start, end, *, today):
    """Why a public notice from `start` to `end` (both included) is not acceptable; empty when it is."""
    if start is None or end is None:
        return [_("请填写公示开始和结束日期")]
    problems = []
    if start < today:
        problems.append(_("公示开始日期不能早于今天（%(d)s）") % {"d": today.isoformat()})
    if end < start:
        problems.append(_("公示结束日期不能早于开始日期"))
    elif working_days(start, end) < cfg.notice_min_working_days:
        problems.append(_("公示期不少于 %(n)d 个工作日（不含周末和法定节假日）：从 %(s)s 开始，最早至 %(e)s 结束")
                        % {"n": cfg.notice_min_working_days, "s": start.isoformat(),
                           "e": add_working_days(start, cfg.notice_min_working_days).isoformat()})
    return problems


def open_public_notice(*, guide, start, end, actor, request=None, now=None):
    """Open the public notice of the provisional list; it starts today or later and lasts the minimum at least."""
    today = timezone.localdate(now or timezone.now())
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布"))
        problems = notice_problems(cfg, start, end, today=today)
        if problems:
            raise ReviewError("；".join(problems))
        if not Selection.objects.filter(declaration__guide=guide).exists():
            raise ReviewError(_("请先确定拟入选项目，再发布公示"))
        cfg.notice_start, cfg.notice_end, cfg.notice_opened_at = start, end, timezone.now()
        cfg.save()
        record("review.open_notice", target=guide, actor=actor, request=request,
               summary=_("发布拟入选名单公示：%(s)s 至 %(e)s") % {"s": start.isoformat(), "e": end.isoformat()},
               data={"working_days": working_days(start, end)})
    return cfg


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return date(day.year + years, day.month, calendar.monthrange(day.year + years, day.month)[1])


def outstanding_reviews(guide):
    """Active assignments on the guide's undecided projects whose review is not submitted."""
    return (Assignment.objects.filter(declaration__guide=guide, declaration__state=S.RECOMMENDED,
                                      state=Assignment.State.ACTIVE)
            .exclude(review__state=Review.State.SUBMITTED))


def publish_results(*, guide, actor, doc_number="", outstanding_reason="", now=None, request=None):
    """Release the decision: selected / not selected states, demonstration periods, the public page, notifications.

    Refused while assigned reviews are outstanding, unless the admin gives the reason (it is audited).
    """
    now = now or timezone.now()
    outstanding_reason = (outstanding_reason or "").strip()
    today = timezone.localdate(now)
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已于 %(t)s 公布") % {"t": timezone.localtime(cfg.published_at).strftime("%Y-%m-%d")})
        if not cfg.notice_open:
            raise ReviewError(_("请先发布公示，公示期结束后再公布名单"))
        if today <= cfg.notice_end:
            raise ReviewError(_("公示期至 %(d)s 结束，结束后才能公布名单") % {"d": cfg.notice_end.isoformat()})
        pending = outstanding_reviews(guide).count()
        if pending and len(outstanding_reason) < OUTSTANDING_REASON_MIN:
            raise ReviewError(_("尚有 %(n)d 份已分配的评审未提交评分。请待专家提交，或填写不再等待的理由"
                                "（至少 %(m)d 个字，将记入审计记录）后再公布") % {"n": pending, "m": OUTSTANDING_REASON_MIN})
        selected = set(Selection.objects.filter(declaration__guide=guide).values_list("declaration_id", flat=True))
        end = add_years(today, guide.demo_period_years)
        decls = list(Declaration.objects.filter(guide=guide, state=S.RECOMMENDED)
                     .select_related("organisation", "unit").order_by("pk"))
        for decl in decls:
            if decl.pk in selected:
                transition(decl, S.SELECTED, actor=actor, request=request, demo_period_end=end,
                           summary=_("入选试点示范项目，示范期至 %(end)s") % {"end": end.isoformat()})
            else:
                transition(decl, S.NOT_SELECTED, actor=actor, request=request, summary=_("未入选试点示范项目"))
        cfg.published_at = now
        cfg.publication_doc_number = doc_number.strip()[:80]
        cfg.save()
        record("review.publish", target=guide, actor=actor, request=request, reason=outstanding_reason if pending else "",
               summary=_("公布评审结果：入选 %(n)d 个项目，示范期至 %(end)s") % {"n": len(selected), "end": end.isoformat()},
               data={"selected": sorted(selected), "demo_period_end": end.isoformat(), "outstanding_reviews": pending})
        _notify_results(guide, decls, selected, end)
    return cfg


def _notify_results(guide, decls, selected, end):
    """Each applicant learns its project's result, each recommending unit its tally: bulk, after commit."""
    from declarations.stage_notices import notify_stage

    url = reverse("review:results_guide", args=[guide.pk])
    names = {"guide": guide.title, "end": end.isoformat()}
    notify_stage([d for d in decls if d.pk in selected], "selected", url=url, kind="results_published", **names)
    notify_stage([d for d in decls if d.pk not in selected], "not_selected", url=url, kind="results_published",
                 **names)
    per_unit = {}
    for decl in decls:
        if decl.unit_id:
            per_unit.setdefault(decl.unit_id, [0, 0])[0 if decl.pk in selected else 1] += 1
    if per_unit:
        transaction.on_commit(lambda: _notify_units(guide, per_unit, url))


def _notify_units(guide, per_unit, url):
    from django.contrib.auth import get_user_model

    messages = []
    for u in get_user_model().objects.filter(unit_id__in=per_unit, is_active=True):
        n_ok, n_no = per_unit[u.unit_id]
        messages.append((u, _("评审结果已公布"),
                         _("“%(guide)s”评审结果已公布：贵单位推荐的项目入选 %(ok)d 个，未入选 %(no)d 个。")
                         % {"guide": guide, "ok": n_ok, "no": n_no}, url, f"results:{guide.pk}:unit{u.unit_id}:{u.pk}"))
    notify_many(messages, kind="results_published")


def save_panel(*, guide, actor, name, directions, reviewers, panel=None, min_reviews=None, request=None):
    """Create or change a panel. A direction belongs to at most one panel of a guide."""
    name = (name or "").strip()
    if not name:
        raise ReviewError(_("请填写评审组名称"), {"name": _("请填写评审组名称")})
    with transaction.atomic():
        settings_for(guide)
        ReviewSettings.objects.select_for_update().get(guide=guide)  # one panel edit at a time per guide
        if Panel.objects.filter(guide=guide, name=name).exclude(pk=getattr(panel, "pk", None)).exists():
            raise ReviewError(_("本指南已有名为“%(name)s”的评审组") % {"name": name},
                              {"name": _("本指南已有名为“%(name)s”的评审组") % {"name": name}})
        for d in directions:
            if d.guide_id != guide.pk:
                raise ReviewError(_("所选方向不属于本指南"), {"directions": _("所选方向不属于本指南")})
            other = Panel.objects.filter(guide=guide, directions=d).exclude(pk=getattr(panel, "pk", None)).first()
            if other:
                msg = _("方向“%(dir)s”已属于评审组“%(panel)s”") % {"dir": d, "panel": other.name}
                raise ReviewError(msg, {"directions": msg})
        created = panel is None
        if created:
            panel = Panel.objects.create(guide=guide, name=name, min_reviews=min_reviews or 1)
        else:
            panel.name = name
            if min_reviews is not None:
                panel.min_reviews = min_reviews
            panel.save(update_fields=["name", "min_reviews"])
        panel.directions.set(directions)
        panel.reviewers.set(reviewers)
        record("review.panel", target=guide, actor=actor, request=request,
               summary=(_("新建评审组“%(name)s”") if created else _("修改评审组“%(name)s”")) % {"name": name},
               data={"panel": panel.pk, "min_reviews": panel.min_reviews, "directions": [d.pk for d in directions],
                     "reviewers": [u.pk for u in reviewers]})
    return panel


def update_settings(*, guide, actor, request=None, **values):
    with transaction.atomic():
        cfg = settings_for(guide)
        changed = {}
        for k, v in values.items():
            if getattr(cfg, k) != v:
                changed[k] = str(v)
                setattr(cfg, k, v)
        if changed:
            cfg.save()
            record("review.settings", target=guide, actor=actor, request=request,
                   summary=_("修改评审设置"), data=changed)
    return cfg


def find_organisation(query):
    """The organisation with this credit code or exact full name, or None."""
    from declarations.models import Organisation

    query = (query or "").strip()
    if not query:
        return None
    return (Organisation.objects.filter(credit_code=query.upper()).first()
            or Organisation.objects.filter(name=query).first())


def _free_conflicted(profile, org):
    """Decline the reviewer's active, unsubmitted assignments of `org`'s declarations; the freed ids.

    Only the ministry calls this (it adds a conflict for the reviewer); a reviewer's own
    declaration changes nothing they could observe (declare_conflict).
    """
    freed = []
    for a in Assignment.objects.select_for_update().filter(
            reviewer=profile.user, state=Assignment.State.ACTIVE, declaration__organisation=org):
        review = Review.objects.filter(assignment=a).first()
        if review and review.state == Review.State.SUBMITTED:
            continue
        if review:
            review.delete()
        a.state, a.decline_reason, a.declined_at = Assignment.State.DECLINED, _("申明回避"), timezone.now()
        a.save(update_fields=["state", "decline_reason", "declined_at"])
        freed.append(a.pk)
    return freed


def _ministry_users():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(Q(role=User.Role.ADMIN) | Q(is_superuser=True), is_active=True).order_by("pk")


def declare_conflict(*, profile, text, actor, request=None):
    """The reviewer declares a conflict with an organisation, by name or credit code, as they typed it.

    Whatever the text, the reviewer gets the same answer and their tasks stay as they are, so
    the profile page cannot be used to test whether a guessed organisation has declared. The
    match is stored for the ministry, which is told and reassigns the affected tasks.
    """
    text = " ".join((text or "").split())
    if not text:
        raise ReviewError(_("请填写需要回避的单位名称或统一社会信用代码"))
    if len(text) > 100:
        raise ReviewError(_("单位名称不能超过 100 个字"))
    org = find_organisation(text)
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.create(profile=profile, text=text, organisation=org)
        record("review.declare_conflict", target=profile, actor=actor, request=request,
               summary=_("评审专家申明回避单位“%(text)s”") % {"text": text},
               data={"declaration": declaration.pk, "organisation": org.pk if org else None})
        url = reverse("review:reviewer_edit", args=[profile.pk])
        for admin in _ministry_users():
            notify(admin, kind="reviewer_conflict", url=url,
                   title=_("评审专家%(name)s申明了回避单位") % {"name": profile.name},
                   body=_("专家申明回避“%(text)s”。请在专家资料页核实，并在评审分配页更换受影响的任务。")
                   % {"text": text})
    return declaration


def pending_conflict_pairs(reviewer_ids, organisation_ids):
    """{(reviewer id, organisation id)} of unhandled conflict declarations: flags on the ministry's pages."""
    return set(ConflictDeclaration.objects.filter(
        handled_at__isnull=True, organisation_id__in=organisation_ids, profile__user_id__in=reviewer_ids)
        .values_list("profile__user_id", "organisation_id"))


def handle_conflict_declaration(*, declaration, accept, actor, request=None):
    """The ministry closes a reviewer's declaration; `accept` adds the matched organisation to the
    reviewer's conflicts (future assignments avoid it). Open tasks are reassigned on the assignment page."""
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.select_for_update().select_related("profile").get(pk=declaration.pk)
        if not declaration.is_pending:
            raise ReviewError(_("该回避申明已处理"))
        if accept and declaration.organisation_id is None:
            raise ReviewError(_("未匹配到单位，不能加入回避单位；请在专家资料中手动添加"))
        if accept:
            declaration.profile.conflicts.add(declaration.organisation_id)
        declaration.handled_at, declaration.handled_by = timezone.now(), actor
        declaration.save(update_fields=["handled_at", "handled_by"])
        record("review.handle_conflict", target=declaration.profile, actor=actor, request=request,
               summary=(_("确认专家回避申明“%(text)s”") if accept else _("已处理专家回避申明“%(text)s”"))
               % {"text": declaration.text},
               data={"declaration": declaration.pk, "accepted": bool(accept),
                     "organisation": declaration.organisation_id})
    return declaration


def _notify_unavailable(profile):
    """Tell the ministry which open tasks of a reviewer who is no longer available need another reviewer."""
    open_tasks = list(Assignment.objects.filter(reviewer=profile.user, state=Assignment.State.ACTIVE)
                      .exclude(review__state=Review.State.SUBMITTED)
                      .select_related("declaration__guide").order_by("declaration__guide_id", "declaration_id"))
    if not open_tasks:
        return []
    lines = [_("%(guide)s：%(project)s（项目编号 %(pk)d）") % {
        "guide": a.declaration.guide, "project": a.declaration.project_name, "pk": a.declaration_id}
        for a in open_tasks]
    url = reverse("review:assignments", args=[open_tasks[0].declaration.guide_id])
    for admin in _ministry_users():
        notify(admin, kind="reviewer_unavailable", url=url,
               title=_("评审专家%(name)s已不可参加评审，%(n)d 个任务需要更换专家") % {
                   "name": profile.name, "n": len(open_tasks)},
               body="\n".join(lines))
    return [a.pk for a in open_tasks]


# ---------------------------------------------------------------- reviewer accounts

def create_reviewer(*, username, email, password, name, employer, actor, region="", title="", expertise=(),
                    request=None):
    """Admin: a reviewer login (role reviewer) with its profile. The password is validated by the form."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ReviewError(_("该登录名已被使用"), errors={"username": _("该登录名已被使用")})
    with transaction.atomic():
        user = User(username=username, email=email, full_name=name, role=User.Role.REVIEWER)
        user.set_password(password)
        user.save()
        profile = ReviewerProfile.objects.create(user=user, name=name, employer=employer, region=region, title=title)
        profile.expertise.set(expertise)
        record("review.reviewer_create", target=profile, actor=actor, request=request,
               summary=_("新建评审专家 %(name)s（登录名 %(u)s）") % {"name": name, "u": username},
               data={"user": user.pk, "expertise": sorted(d.pk for d in expertise)})
    return profile


def update_reviewer(*, profile, actor, name, employer, region, title, email, expertise, conflicts, is_active,
                    add_conflict="", request=None):
    """Admin: change a reviewer's profile. `conflicts` are the declared organisations to keep;
    `add_conflict` (credit code or full name) declares one more, freeing its open assignments."""
    new_org = None
    if (add_conflict or "").strip():
        new_org = find_organisation(add_conflict)
        if new_org is None:
            raise ReviewError(_("未找到该单位，请填写完整的统一社会信用代码或单位全称"),
                              errors={"add_conflict": _("未找到该单位，请填写完整的统一社会信用代码或单位全称")})
    with transaction.atomic():
        profile = ReviewerProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        changed = {}
        for field_name, value in (("name", name), ("employer", employer), ("region", region), ("title", title),
                                  ("is_active", is_active)):
            if getattr(profile, field_name) != value:
                changed[field_name] = [getattr(profile, field_name), value]
                setattr(profile, field_name, value)
        if changed:
            profile.save()
        user = profile.user
        user_fields = []
        if user.email != email:
            changed["email"] = [user.email, email]
            user.email = email
            user_fields.append("email")
        if user.full_name != name:
            user.full_name = name
            user_fields.append("full_name")
        if user_fields:
            user.save(update_fields=user_fields)
        old_exp = set(profile.expertise.values_list("pk", flat=True))
        new_exp = {d.pk for d in expertise}
        if old_exp != new_exp:
            profile.expertise.set(new_exp)
            changed["expertise"] = [sorted(old_exp), sorted(new_exp)]
        old_conf = set(profile.conflicts.values_list("pk", flat=True))
        keep = {o.pk for o in conflicts} & old_conf
        freed = []
        if new_org is not None:
            keep.add(new_org.pk)
            if new_org.pk not in old_conf:
                freed = _free_conflicted(profile, new_org)
        if keep != old_conf:
            profile.conflicts.set(keep)
            changed["conflicts"] = [sorted(old_conf), sorted(keep)]
        if freed:
            changed["freed"] = freed
        if changed.get("is_active") == [True, False]:
            changed["to_reassign"] = _notify_unavailable(profile)
        record("review.reviewer_update", target=profile, actor=actor, request=request,
               summary=_("修改评审专家 %(name)s 的资料") % {"name": profile.name}, data=changed)
    return profile
