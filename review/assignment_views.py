"""The ministry's assignment pages: the automatic assignment's run (the button queues it, its page follows the
worker), who reviews which declaration, adding, removing and swapping reviewers."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from declarations.models import Declaration

from . import assignment, setup
from .assignment_runs import start_assignment
from .base import ReviewError
from .conflicts import conflict_reason
from .models import Assignment, AssignmentRun, Panel, Review
from .queries import assignment_overview
from .reviewers import pending_conflict_pairs
from .views import guide_or_404, posted_id

User = get_user_model()
LOADS_LISTED = 100  # beyond this many reviewers the run's page gives the spread of the load, not every name


@permission_required("review.manage")
@require_POST
def start_run(request, guide_pk):
    guide = guide_or_404(guide_pk)
    panel = None
    if request.POST.get("panel"):
        panel = get_object_or_404(Panel, pk=posted_id(request, "panel"), guide=guide)
    try:
        run = start_assignment(guide=guide, panel=panel, actor=request.user, request=request)
    except ReviewError as e:
        messages.error(request, e.message)
        return redirect("review:manage_guide", guide.pk)
    return redirect("review:assign_run", guide.pk, run.pk)


@permission_required("review.manage")
def run_page(request, guide_pk, pk):
    run = get_object_or_404(AssignmentRun.objects.select_related("guide", "panel"), pk=pk, guide_id=guide_pk)
    loads = sorted(run.loads.values())
    return render(request, "review/assign_run.html", {
        "run": run, "guide": run.guide, "problems_hidden": run.problem_count - len(run.problems),
        "loads": run.loads if len(loads) <= LOADS_LISTED else None,
        "load_spread": (loads[0], loads[-1], len(loads)) if loads else None})


@permission_required("review.manage")
def assignments(request, guide_pk):
    guide = guide_or_404(guide_pk)
    cfg = setup.settings_for(guide)
    direction_id = request.GET.get("direction", "")
    direction = guide.directions.filter(pk=int(direction_id)).first() if direction_id.isdigit() else None
    decls = assignment_overview(guide)
    if direction is not None:
        decls = decls.filter(direction=direction)
    decls = list(decls)
    # The pickers offer the reviewers of each declaration's panel (all reviewers where it has none).
    panels = list(Panel.objects.filter(guide=guide).prefetch_related(
        "directions", Prefetch("reviewers", queryset=User.objects.select_related("reviewer_profile")
                               .filter(reviewer_profile__isnull=False).order_by("pk"))))
    everyone = list(User.objects.filter(role=User.Role.REVIEWER, reviewer_profile__isnull=False)
                    .select_related("reviewer_profile").order_by("pk"))
    by_direction = {d.pk: list(p.reviewers.all()) for p in panels for d in p.directions.all()}
    declared = pending_conflict_pairs({a.reviewer_id for d in decls for a in d.assignments.all()},
                                               {d.organisation_id for d in decls})
    for d in decls:
        d.candidates = by_direction.get(d.direction_id, everyone)
        for a in d.assignments.all():
            profile = getattr(a.reviewer, "reviewer_profile", None)
            # An assignment made before a conflict became known is flagged for the admin to swap.
            a.conflict = conflict_reason(profile, d, region_switch=cfg.region_conflict) if a.is_active else ""
            submitted = getattr(getattr(a, "review", None), "state", "") == Review.State.SUBMITTED
            if a.is_active and not a.conflict and (a.reviewer_id, d.organisation_id) in declared:
                a.conflict = _("专家申明了与申报单位的回避（待处理）")
            a.unavailable = a.is_active and not submitted and profile is not None and not profile.is_active
    return render(request, "review/assignments.html", {
        "guide": guide, "cfg": cfg, "decls": decls, "need": cfg.reviewers_per_declaration,
        "directions": guide.directions.all(), "direction": direction})


def _back_to_assignments(decl):
    return redirect(reverse("review:assignments", args=[decl.guide_id]) + f"#d{decl.pk}")


@permission_required("review.manage")
@require_POST
def add_assignment(request, guide_pk):
    guide = guide_or_404(guide_pk)
    decl = Declaration.objects.select_related("organisation", "guide").filter(
        pk=posted_id(request, "declaration"), guide=guide).first()
    if decl is None:
        messages.error(request, _("请选择本指南下已推荐的项目"))
        return redirect("review:assignments", guide.pk)
    reviewer = User.objects.filter(pk=posted_id(request, "reviewer"), role=User.Role.REVIEWER).first()
    if reviewer is None:
        messages.error(request, _("请选择评审专家"))
        return _back_to_assignments(decl)
    try:
        assignment.add_reviewer(declaration=decl, reviewer=reviewer, actor=request.user, request=request)
        messages.success(request, _("已分配评审专家"))
    except ReviewError as e:
        messages.error(request, e.message)
    return _back_to_assignments(decl)


@permission_required("review.manage")
@require_POST
def remove_assignment(request, pk):
    a = get_object_or_404(Assignment.objects.select_related("declaration"), pk=pk)
    try:
        assignment.remove_assignment(assignment=a, actor=request.user, reason=request.POST.get("reason", ""),
                                   request=request)
        messages.success(request, _("已移除评审专家"))
    except ReviewError as e:
        messages.error(request, e.message)
    return _back_to_assignments(a.declaration)


@permission_required("review.manage")
@require_POST
def swap_assignment(request, pk):
    a = get_object_or_404(Assignment.objects.select_related("declaration"), pk=pk)
    reviewer = User.objects.filter(pk=posted_id(request, "reviewer"), role=User.Role.REVIEWER).first()
    if reviewer is None:
        messages.error(request, _("请选择替换的评审专家"))
        return _back_to_assignments(a.declaration)
    try:
        assignment.swap_reviewer(assignment=a, new_reviewer=reviewer, actor=request.user, request=request)
        messages.success(request, _("已更换评审专家"))
    except ReviewError as e:
        messages.error(request, e.message)
    return _back_to_assignments(a.declaration)

