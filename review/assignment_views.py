"""The ministry's assignment pages: the automatic assignment's run (the button queues it, its page follows the
worker), who reviews which declaration, adding, removing and swapping reviewers."""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.pagination import BadCursor, keyset_page, query_without, refuse_cursor
from declarations.models import Declaration

from . import assignment, setup
from .assignment_runs import start_assignment
from .base import ReviewError
from .conflicts import conflict_reason
from .models import Assignment, AssignmentRun, Panel, Review
from .queries import assignment_overview
from .reviewer_search import panel_for_search, resolve_reviewer, search_reviewers
from .reviewers import pending_conflict_pairs
from .views import guide_or_404, posted_id

User = get_user_model()
ASSIGNMENT_PAGE_SIZE = 50
ASSIGNMENT_ORDER = [("id", False)]
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
    """The assignment table, one direction or panel (or all) at a time, a keyset page of projects at a time.
    No reviewer list is embedded: the reviewer inputs ask `reviewer_matches` as the admin types."""
    guide = guide_or_404(guide_pk)
    cfg = setup.settings_for(guide)
    direction_id, panel_id = request.GET.get("direction", ""), request.GET.get("panel", "")
    direction = guide.directions.filter(pk=int(direction_id)).first() if direction_id.isdigit() else None
    panels = list(Panel.objects.filter(guide=guide).prefetch_related("directions").order_by("pk"))
    panel = next((p for p in panels if str(p.pk) == panel_id), None)
    if (direction_id and direction is None) or (panel_id and panel is None):
        messages.warning(request, _("所选方向或评审组不属于该指南，已显示全部项目"))
    try:
        page = keyset_page(assignment_overview(guide, direction=direction, panel=panel), ASSIGNMENT_ORDER,
                           request.GET.get("cursor"), ASSIGNMENT_PAGE_SIZE, "review.assignments")
    except BadCursor:
        return refuse_cursor(request)
    decls = page.object_list
    panel_of = {d.pk: p for p in panels for d in p.directions.all()}
    kept = request.session.pop(KEPT_INPUT, None)  # a refused reviewer input, shown again in its form
    declared = pending_conflict_pairs({a.reviewer_id for d in decls for a in d.assignments.all()},
                                      {d.organisation_id for d in decls})
    for d in decls:
        d.picker = panel_of[d.direction_id].pk if d.direction_id in panel_of else ""
        d.kept = kept["value"] if kept and kept["form"] == f"d{d.pk}" else ""
        d.n_active = d.n_done = 0
        for a in d.assignments.all():
            a.kept = kept["value"] if kept and kept["form"] == f"a{a.pk}" else ""
            profile = getattr(a.reviewer, "reviewer_profile", None)
            # An assignment made before a conflict became known is flagged for the admin to swap.
            a.conflict = conflict_reason(profile, d, region_switch=cfg.region_conflict) if a.is_active else ""
            submitted = getattr(getattr(a, "review", None), "state", "") == Review.State.SUBMITTED
            if a.is_active and not a.conflict and (a.reviewer_id, d.organisation_id) in declared:
                a.conflict = _("专家申明了与申报单位的回避（待处理）")
            a.unavailable = a.is_active and not submitted and profile is not None and not profile.is_active
            d.n_active += a.is_active
            d.n_done += submitted
    return render(request, "review/assignments.html", {
        "guide": guide, "cfg": cfg, "decls": decls, "need": cfg.reviewers_per_declaration, "page": page,
        "query": query_without(request, "cursor"), "panels": panels, "panel": panel,
        "directions": guide.directions.all(), "direction": direction})


@permission_required("review.manage")
def reviewer_matches(request, guide_pk):
    """JSON for the assignment table's reviewer inputs: at most SEARCH_LIMIT reviewers of the panel
    (`panel`, or every reviewer without it) whose name, username or employer starts with `q`."""
    guide = guide_or_404(guide_pk)
    panel, ok = panel_for_search(guide, request.GET.get("panel", ""))
    if not ok:
        raise Http404
    return JsonResponse({"results": search_reviewers(panel, request.GET.get("q", ""))})


KEPT_INPUT = "review.assignment_input"  # the session key of a reviewer input refused, shown again once
TABLE_FILTERS = ("direction", "panel", "cursor")


def _back_to_assignments(decl, request=None):
    """Back to the declaration's row, on the page of the table the form was posted from (its Referer)."""
    url = reverse("review:assignments", args=[decl.guide_id])
    referer = urlsplit(request.headers.get("Referer", "")) if request is not None else None
    if referer is not None and referer.path == url:
        query = QueryDict(referer.query)
        kept = urlencode([(k, query[k]) for k in TABLE_FILTERS if query.get(k)])
        url += f"?{kept}" if kept else ""
    return redirect(url + f"#d{decl.pk}")


def _reviewer_from_post(request, decl, form):
    """The reviewer the posted text names among the declaration's panel; on a refusal the text is kept for
    the form `form` ("d<declaration>" or "a<assignment>") and the error shown."""
    reviewer, error = resolve_reviewer(request.POST.get("reviewer", ""), setup.panel_of(decl))
    if error:
        _refuse(request, form, error)
    return reviewer


def _refuse(request, form, error):
    messages.error(request, error)
    request.session[KEPT_INPUT] = {"form": form, "value": request.POST.get("reviewer", "")[:100]}


@permission_required("review.manage")
@require_POST
def add_assignment(request, guide_pk):
    guide = guide_or_404(guide_pk)
    decl = Declaration.objects.select_related("organisation", "guide").filter(
        pk=posted_id(request, "declaration"), guide=guide).first()
    if decl is None:
        messages.error(request, _("请选择本指南下已推荐的项目"))
        return redirect("review:assignments", guide.pk)
    reviewer = _reviewer_from_post(request, decl, f"d{decl.pk}")
    if reviewer is None:
        return _back_to_assignments(decl, request)
    try:
        assignment.add_reviewer(declaration=decl, reviewer=reviewer, actor=request.user, request=request)
        messages.success(request, _("已分配评审专家"))
    except ReviewError as e:
        _refuse(request, f"d{decl.pk}", e.message)
    return _back_to_assignments(decl, request)


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
    return _back_to_assignments(a.declaration, request)


@permission_required("review.manage")
@require_POST
def swap_assignment(request, pk):
    a = get_object_or_404(Assignment.objects.select_related("declaration"), pk=pk)
    reviewer = _reviewer_from_post(request, a.declaration, f"a{a.pk}")
    if reviewer is None:
        return _back_to_assignments(a.declaration, request)
    try:
        assignment.swap_reviewer(assignment=a, new_reviewer=reviewer, actor=request.user, request=request)
        messages.success(request, _("已更换评审专家"))
    except ReviewError as e:
        _refuse(request, f"a{a.pk}", e.message)
    return _back_to_assignments(a.declaration, request)

