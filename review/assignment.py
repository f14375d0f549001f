"""Who reviews what: automatic and manual assignment of reviewers to recommended declarations.

Owns the automatic assignment (N conflict-free reviewers of the declaration's panel, balancing load)
for a pilot year (hundreds of projects) or a foundation-size one (30,000): the plan is computed from a
few flat queries (ids and the fields the conflict rule reads, no model instances), then written in
batches, each its own transaction, and each reviewer given tasks gets one digest notification at the
end, however many tasks. assignment_runs.py runs it in the worker with progress for the admin's page.
Also adding, removing and swapping a reviewer by the ministry, and a reviewer declining a task.
Nothing here scores; scoring.py writes reviews of the assignments made here.
"""

import bisect
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify, notify_many
from declarations.models import Declaration, Direction

from .base import ReviewError, record_on
from .conflicts import ConflictIndex, conflict_reason
from .models import Assignment, AssignmentRun, Panel, Review, ReviewerProfile
from .setup import profile_of, settings_for

S = Declaration.State
BATCH = 2000  # declarations per committed batch (about 10,000 assignment rows at five reviewers each)
PROBLEMS_SHOWN = 200  # the page and the audit record list this many shortfalls; the count is kept in full


@dataclass
class AssignmentReport:
    created: int = 0
    problems: list = field(default_factory=list)
    problem_count: int = 0
    loads: dict = field(default_factory=dict)  # reviewer name -> active assignments after the run
    notified: int = 0


@dataclass
class Plan:
    rows: list = field(default_factory=list)  # (declaration id, [reviewer ids]) in the order they were chosen
    problems: list = field(default_factory=list)
    problem_count: int = 0
    load: dict = field(default_factory=dict)  # reviewer id -> active assignments once the plan is written
    names: dict = field(default_factory=dict)  # reviewer id -> name

    def problem(self, text):
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_SHOWN:
            self.problems.append(str(text))


def plan_assignment(*, guide, need, region_conflict, panel=None):
    """Which reviewers each recommended declaration of the guide (or one panel) gets. Reads, writes nothing.

    Greedy and deterministic: the most constrained declaration first (fewest candidates beyond
    its need, then id), each taking the least-loaded candidates (then the experts of its direction,
    then the lowest user id). Existing assignments are kept; declined reviewers are not asked again.
    """
    User = get_user_model()
    panels = list(Panel.objects.filter(guide=guide).order_by("pk"))
    if panel is not None:
        panels = [p for p in panels if p.pk == panel.pk]
    panel_ids = [p.pk for p in panels]
    panel_of_direction = {}
    for panel_id, direction_id in (Panel.directions.through.objects.filter(panel_id__in=panel_ids)
                                   .order_by("panel_id").values_list("panel_id", "direction_id")):
        panel_of_direction.setdefault(direction_id, panel_id)
    members = {pk: [] for pk in panel_ids}
    for panel_id, uid in (Panel.reviewers.through.objects.filter(panel_id__in=panel_ids)
                          .order_by("panel_id", "user_id").values_list("panel_id", "user_id")):
        members[panel_id].append(uid)
    reviewer_ids = {uid for ids in members.values() for uid in ids}
    user_active = dict(User.objects.filter(pk__in=reviewer_ids).values_list("pk", "is_active"))
    profiles = {uid: (name, employer, region, active) for uid, name, employer, region, active in
                ReviewerProfile.objects.filter(user_id__in=reviewer_ids)
                .values_list("user_id", "name", "employer", "region", "is_active")}
    available = {uid for uid, p in profiles.items() if p[3] and user_active.get(uid)}
    conflicts = ConflictIndex(
        ((uid, p[1], p[2]) for uid, p in profiles.items()),
        ReviewerProfile.conflicts.through.objects.filter(reviewerprofile__user_id__in=reviewer_ids)
        .values_list("reviewerprofile__user_id", "organisation_id"),
        region_switch=region_conflict)
    expertise = {}
    for uid, direction_id in (ReviewerProfile.expertise.through.objects
                              .filter(reviewerprofile__user_id__in=reviewer_ids)
                              .values_list("reviewerprofile__user_id", "direction_id")):
        expertise.setdefault(uid, set()).add(direction_id)
    pool = {pk: [uid for uid in ids if uid in available] for pk, ids in members.items()}
    panel_names = dict(Panel.objects.filter(pk__in=panel_ids).values_list("pk", "name"))

    active, taken, load = {}, {}, {}
    for decl_id, uid, state in (Assignment.objects.filter(declaration__guide=guide)
                                .values_list("declaration_id", "reviewer_id", "state")):
        taken.setdefault(decl_id, set()).add(uid)
        if state == Assignment.State.ACTIVE:
            active.setdefault(decl_id, set()).add(uid)
            load[uid] = load.get(uid, 0) + 1

    plan = Plan(load=load)
    directions = {d.pk: d for d in Direction.objects.filter(guide=guide)}
    decls = (Declaration.objects.filter(guide=guide, state=S.RECOMMENDED).order_by("pk")
             .values_list("pk", "direction_id", "project_name", "organisation_id", "organisation__name",
                          "organisation__region"))

    def excluded(decl):
        blocked = conflicts.conflicted(decl[3], decl[4], decl[5])
        mine = taken.get(decl[0])
        return blocked.union(mine) if mine else blocked

    # First pass: how constrained each declaration is (candidates beyond its need).
    pool_sets = {pk: set(uids) for pk, uids in pool.items()}
    work = []
    for decl in decls.iterator(chunk_size=5000):
        pk, direction_id, name = decl[0], decl[1], decl[2]
        panel_id = panel_of_direction.get(direction_id)
        if panel_id is None:
            if panel is None:
                plan.problem(_("《%(name)s》（方向 %(dir)s）：该方向未设置评审组，无法分配")
                             % {"name": name, "dir": directions.get(direction_id, "—")})
            continue
        missing = need - len(active.get(pk, ()))
        if missing <= 0:
            continue
        n_candidates = len(pool_sets[panel_id]) - len(pool_sets[panel_id] & excluded(decl))
        work.append((n_candidates - missing, pk, decl, panel_id, missing))
    work.sort(key=lambda w: (w[0], w[1]))

    experts = {}
    for uid, ids in expertise.items():
        for direction_id in ids:
            experts.setdefault(direction_id, set()).add(uid)
    levels = LoadLevels(pool, load)
    for _slack, pk, decl, panel_id, missing in work:
        chosen = levels.pick(panel_id, missing, excluded(decl), experts.get(decl[1], frozenset()))
        for uid in chosen:
            levels.raise_load(uid, load.get(uid, 0))
            load[uid] = load.get(uid, 0) + 1
        if chosen:
            plan.rows.append((pk, chosen))
        if len(chosen) < missing:
            plan.problem(_shortfall(decl, panel_names[panel_id], members[panel_id], need, need - missing + len(chosen),
                                    taken.get(pk, set()), active.get(pk, set()), available, conflicts))
    plan.names = {uid: profiles[uid][0] if uid in profiles else str(uid) for uid in load}
    return plan


class LoadLevels:
    """The available reviewers of each panel grouped by their current load, each group in id order.

    Choosing for a declaration looks at the lowest groups only (experts of its direction first
    within a group, then the others), instead of sorting the whole panel for every declaration:
    the same choice as sorting by (load, not an expert, id), about fifty times faster.
    """

    def __init__(self, pool, load):
        self.groups, self.panels_of = {}, {}
        for panel_id, uids in pool.items():
            groups = self.groups[panel_id] = {}
            for uid in sorted(uids):
                groups.setdefault(load.get(uid, 0), []).append(uid)
                self.panels_of.setdefault(uid, []).append(panel_id)

    def pick(self, panel_id, n, excluded, experts):
        chosen = []
        groups = self.groups[panel_id]
        for level in sorted(groups):
            ok = [uid for uid in groups[level] if uid not in excluded]
            chosen += [uid for uid in ok if uid in experts][:n - len(chosen)]
            chosen += [uid for uid in ok if uid not in experts][:n - len(chosen)]
            if len(chosen) >= n:
                break
        return chosen

    def raise_load(self, uid, old):
        """`uid` takes one more task: it moves up one group in every panel it sits in."""
        for panel_id in self.panels_of.get(uid, ()):
            groups = self.groups[panel_id]
            groups[old].remove(uid)
            if not groups[old]:
                del groups[old]
            bisect.insort(groups.setdefault(old + 1, []), uid)


def _shortfall(decl, panel_name, members, need, have, taken, active, available, conflicts):
    """Why a declaration is left short, counted as the old one-by-one rule counted it."""
    blocked = conflicts.conflicted(decl[3], decl[4], decl[5])
    declined = sum(1 for uid in members if uid in taken and uid not in active)
    inactive = sum(1 for uid in members if uid not in taken and uid not in available)
    conflict = sum(1 for uid in members if uid not in taken and uid in available and uid in blocked)
    return _("《%(name)s》（%(panel)s）只分配到 %(have)d 名专家，需要 %(need)d 名：评审组共 %(total)d 名专家，"
             "其中 %(conflict)d 名需回避，%(declined)d 名已谢绝，%(inactive)d 名不可参加评审") % {
        "name": decl[2], "panel": panel_name, "have": have, "need": need, "total": len(members),
        "conflict": conflict, "declined": declined, "inactive": inactive}


def assign_reviewers(*, guide, actor, panel=None, request=None, run=None, batch_size=BATCH, before_batch=None):
    """Plan and write the assignments of the guide (or one panel) in batches; returns an AssignmentReport.

    With a `run`, each batch also moves the run's progress in its own transaction. If a batch fails,
    the batches before it stay saved (and counted on the run) and the exception goes to the caller;
    calling again continues. `before_batch(index, rows)` is a seam for tests (a concurrent change).
    """
    cfg = settings_for(guide)
    if cfg.is_published:
        raise ReviewError(_("评审结果已公布，不能再分配"))
    plan = plan_assignment(guide=guide, need=cfg.reviewers_per_declaration, region_conflict=cfg.region_conflict,
                           panel=panel)
    touched = {int(k): v for k, v in (run.touched if run else {}).items()}
    created = 0
    if run is not None:
        AssignmentRun.objects.filter(pk=run.pk).update(total=F("done") + len(plan.rows), active_at=timezone.now())
        run.refresh_from_db()
    for index, start in enumerate(range(0, len(plan.rows), batch_size)):
        rows = plan.rows[start:start + batch_size]
        if before_batch is not None:
            before_batch(index, rows)
        new = [Assignment(declaration_id=pk, reviewer_id=uid, assigned_by=actor) for pk, uids in rows for uid in uids]
        for a in new:
            touched[a.reviewer_id] = touched.get(a.reviewer_id, 0) + 1
        with transaction.atomic():
            Assignment.objects.bulk_create(new, batch_size=5000)
            if run is not None:
                done = run.done + start + len(rows)
                AssignmentRun.objects.filter(pk=run.pk).update(
                    done=F("done") + len(rows), created=F("created") + len(new), active_at=timezone.now(),
                    touched={str(k): v for k, v in touched.items()},
                    progress=min(int(done * 100 / max(run.total, 1)), 99))
        created += len(new)
    report = AssignmentReport(created=created, problems=plan.problems, problem_count=plan.problem_count,
                              loads={plan.names[uid]: n for uid, n in sorted(plan.load.items())})
    with transaction.atomic():
        record("review.assign", target=guide, actor=actor, request=request,
               summary=_("自动分配评审专家：新增 %(n)d 条分配") % {"n": (run.created + created) if run else created},
               data={"created": created, "problems": report.problems, "problem_count": report.problem_count,
                     "panel": panel.pk if panel else None, "run": run.pk if run else None})
        report.notified = _send_digests(guide, touched, run)
        if run is not None:  # done together with the digests; their e-mails are queued after the commit
            AssignmentRun.objects.filter(pk=run.pk).update(
                state=AssignmentRun.State.DONE, progress=100, finished_at=timezone.now(), active_at=timezone.now(),
                problems=report.problems, problem_count=report.problem_count, loads=report.loads,
                notified=F("notified") + report.notified, error="")
    return report


def _send_digests(guide, touched, run):
    """One inbox message (and e-mail) per reviewer who got tasks, with the count; never twice for one run."""
    if not touched:
        return 0
    users = get_user_model().objects.filter(pk__in=touched).only("pk", "email", "is_active", "username")
    url = reverse("review:queue")
    title = _("您有新的评审任务")
    return notify_many([
        (u, title, _("“%(guide)s”为您分配了 %(n)d 个待评审项目，请登录系统评审。") % {"guide": guide, "n": touched[u.pk]},
         url, f"review.assign:{run.pk}:{u.pk}" if run else None)
        for u in users], kind="reviewer_assigned")


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
