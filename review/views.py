"""The ministry's review pages: settings, panels, the ranking, selection and publication, and the public results.

Thin views: who may call each one is at its top; the work is in the service modules and queries. The reviewer's
own pages are in reviewer_views.py, the experts' accounts in expert_views.py, assignments in assignment_views.py.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import records_for
from core.decorators import permission_required
from core.forms import error_messages
from core.pagination import positioned_page
from core.regions import REGIONS, region_name
from core.security import confirm_fresh_password, safe_next
from declarations.models import Declaration, Guide
from declarations.queries import declaration_page_queryset, finish_page_declaration
from units.models import Unit

from . import scoring, selection, setup
from .base import ReviewError
from .exports import start_ranking_export
from .forms import (
    NoticeForm,
    PanelForm,
    PublishForm,
    ReasonForm,
    SettingsForm,
)
from .models import Assignment, AssignmentRun, Panel, ProjectScore, Review, ReviewSettings, Selection
from .queries import (
    declaration_history,
    guide_progress,
    ranking,
    ranking_filters,
)
from .scores import ranking_page_rows, stored_scores
from .workdays import add_working_days

User = get_user_model()
RESULTS_PAGE_SIZE = 300
RANKING_PAGE_SIZE = 200  # rows per page of a ranking tab: thousands of projects stay one page of HTML


def posted_id(request, name):
    """A posted id as an int; anything else becomes 0, which matches nothing (never a 500)."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


# ---------------------------------------------------------------- ministry

def guide_or_404(pk):
    return get_object_or_404(Guide, pk=pk)


@permission_required("review.manage")
def manage_index(request):
    guides = list(Guide.objects.select_related("review_settings").order_by("-year", "-id"))
    return render(request, "review/manage_index.html", {"guides": guides})


@permission_required("review.manage")
def manage_guide(request, guide_pk):
    guide = guide_or_404(guide_pk)
    cfg = setup.settings_for(guide)
    panels = Panel.objects.filter(guide=guide).prefetch_related(
        "directions", Prefetch("reviewers", queryset=User.objects.select_related("reviewer_profile")))
    return render(request, "review/manage_guide.html", {
        "guide": guide, "cfg": cfg, "panels": panels, "progress": guide_progress(guide),
        "settings_form": SettingsForm(instance=cfg), "notice_form": NoticeForm(initial={
            "start": cfg.notice_start or timezone.localdate(),
            "end": cfg.notice_end or add_working_days(timezone.localdate(), cfg.notice_min_working_days)}),
        "publish_form": PublishForm(initial={"doc_number": cfg.publication_doc_number}),
        "selected": Selection.objects.filter(declaration__guide=guide).count(),
        "history": records_for(guide).filter(action__startswith="review.")[:50],
        "latest_run": AssignmentRun.objects.filter(guide=guide).first()})


@permission_required("review.manage")
@require_POST
def update_settings(request, guide_pk):
    guide = guide_or_404(guide_pk)
    cfg = setup.settings_for(guide)
    form = SettingsForm(request.POST, instance=ReviewSettings.objects.get(pk=cfg.pk))
    if form.is_valid():
        setup.update_settings(guide=guide, actor=request.user, request=request,
                                 **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("评审设置已保存"))
    else:
        error_messages(request, form)
    return redirect("review:manage_guide", guide.pk)


@permission_required("review.manage")
def panel_edit(request, guide_pk, pk=None):
    guide = guide_or_404(guide_pk)
    panel = get_object_or_404(Panel, pk=pk, guide=guide) if pk else None
    initial = ({"name": panel.name, "directions": panel.directions.all(), "reviewers": panel.reviewers.all(),
                "min_reviews": panel.min_reviews} if panel else None)
    form = PanelForm(request.POST or None, guide=guide, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            setup.save_panel(guide=guide, panel=panel, actor=request.user, request=request,
                                name=form.cleaned_data["name"], directions=list(form.cleaned_data["directions"]),
                                reviewers=list(form.cleaned_data["reviewers"]),
                                min_reviews=form.cleaned_data.get("min_reviews"))
        except ReviewError as e:
            for field, message in (e.errors or {"__all__": e.message}).items():
                form.add_error(None if field == "__all__" else field, message)
        else:
            messages.success(request, _("评审组已保存"))
            return redirect("review:manage_guide", guide.pk)
    return render(request, "review/panel_form.html", {"guide": guide, "panel": panel, "form": form},
                  status=400 if form.errors else 200)


def _score_text(value, places):
    """A score as the page shows it ("—" when missing); the scores are already rounded to `places`."""
    return "—" if value is None else f"{value + 0.0:.{places}f}"  # + 0.0: never "-0.00"


def _ranking_groups(guide, directions, rows, threshold):
    """The rows of the page per direction, as plain dicts with their display texts computed once."""
    limits = {d.pk: getattr(getattr(d, "review_setting", None), "selection_limit", None) for d in directions}
    # The provisional list's size per direction on the page: its ranked projects that are chosen, read along the
    # stored scores' index of each direction (not every selection of the guide).
    on_page = {r.direction_id for r in rows}
    chosen = dict(ProjectScore.objects.filter(
        guide=guide, direction_id__in=on_page, pk__in=Selection.objects.values("declaration_id")).order_by().values_list("direction_id").annotate(n=Count("pk"))) if on_page else {}
    url_prefix, url_suffix = reverse("review:declaration_reviews", args=[guide.pk, 999999999]).split("999999999")
    groups = []
    for r in rows:
        if not groups or groups[-1]["direction_id"] != r.direction_id:
            groups.append({"direction_id": r.direction_id, "direction": r.direction, "rows": [],
                           "limit": limits.get(r.direction_id), "chosen": chosen.get(r.direction_id, 0)})
        if r.state == Declaration.State.SELECTED:
            state = "selected"
        elif r.state == Declaration.State.NOT_SELECTED:
            state = "not_selected"
        else:
            state = "chosen" if getattr(r, "selection", None) is not None else "open" if r.rank is not None else "short"
        org = r.organisation
        # Numbers as text: the template would localise each of them again.
        groups[-1]["rows"].append({
            "pk": str(r.pk), "code": r.direction.code if r.direction_id else "", "rank": "—" if r.rank is None else str(r.rank),
            "url": f"{url_prefix}{r.pk}{url_suffix}", "name": r.project_name, "org": org.name,
            "region": region_name(org.region), "unit": r.unit.name if r.unit_id else "—",
            "n": str(r.n_reviews), "mean": _score_text(r.mean, 2), "final": _score_text(r.final, 2),
            "std": _score_text(r.std_dev, 2), "z": _score_text(r.z_score, 3),
            "z_rank": "—" if r.z_rank is None else str(r.z_rank),
            "std_value": "" if r.std_dev is None else f"{r.std_dev:.2f}",
            "state": state, "disagree": r.std_dev is not None and r.std_dev > threshold})
    return groups


@permission_required("review.manage")
def ranking_page(request, guide_pk):
    """The ranking per direction: one direction's tab at a time, or all of them ("全部方向")."""
    guide = guide_or_404(guide_pk)
    cfg = setup.settings_for(guide)
    filters, order = ranking_filters(request.GET, guide)
    directions = list(guide.directions.select_related("review_setting"))
    # From the stored scores: a page of rows by index, and the tabs' counts (ranked declarations per direction
    # under the other filters) from the same read.
    rows, page, counts = ranking_page_rows(guide, page=request.GET.get("page"), per_page=RANKING_PAGE_SIZE,
                                           order=order, directions=directions, **filters)
    base = request.GET.copy()
    base.pop("direction", None)
    base.pop("page", None)  # a tab starts on its first page
    page_query = request.GET.copy()
    page_query.pop("page", None)
    tabs = [{"label": _("全部方向"), "count": sum(counts.values()), "active": filters["direction"] is None,
             "href": "?" + base.urlencode() if base else "?"}]
    for d in directions:
        base["direction"] = d.pk
        tabs.append({"label": str(d), "count": counts.get(d.pk, 0), "active": filters["direction"] == d,
                     "href": "?" + base.urlencode()})
    return render(request, "review/ranking.html", {
        "guide": guide, "cfg": cfg, "groups": _ranking_groups(guide, directions, rows,
                                                             float(cfg.disagreement_threshold)),
        "tabs": tabs, "filters": filters, "order": order, "panels": Panel.objects.filter(guide=guide),
        # The units that hold a list under the guide (a few hundred rows, not a join over the declarations).
        "units": Unit.objects.filter(recommendation_lists__guide=guide).order_by("name").only("pk", "name"),
        "regions": REGIONS, "query": request.GET.urlencode(), "next_url": request.get_full_path(),
        "page": page, "page_query": page_query.urlencode(),
        # The spread bar: full at twice the disagreement threshold, shown as "high" past the threshold.
        "spread_high": f"{float(cfg.disagreement_threshold):.2f}",
        "spread_max": f"{max(float(cfg.disagreement_threshold) * 2, 1.0):.2f}"})


@permission_required("review.manage")
@require_POST
def ranking_export(request, guide_pk):
    """The ranking as Excel, built by a worker (thousands of rows); the admin follows the export's page."""
    guide = guide_or_404(guide_pk)
    export = start_ranking_export(guide=guide, query=request.POST.get("query", ""), user=request.user,
                                  request=request)
    return redirect("core:export", export.pk)


@permission_required("review.manage")
@require_POST
def toggle_selection(request, guide_pk):
    """The ranking's buttons: `select=<id>` puts a project on the provisional list, `unselect=<id>` takes it off."""
    guide = guide_or_404(guide_pk)
    select, unselect = posted_id(request, "select"), posted_id(request, "unselect")
    selected = bool(select)
    decl = None
    if bool(select) != bool(unselect):  # exactly one of the two
        decl = Declaration.objects.filter(pk=select or unselect, guide=guide).first()
    if decl is None:
        messages.error(request, _("请选择本指南下已推荐的项目"))
        return redirect("review:ranking", guide.pk)
    try:
        selection.set_selected(declaration=decl, selected=selected, actor=request.user, request=request)
        messages.success(request, _("已列入拟入选名单") if selected else _("已移出拟入选名单"))
    except ReviewError as e:
        messages.error(request, e.message)
    back = reverse("review:ranking", args=[guide.pk])
    next_url = safe_next(request, back)  # back to the ranking tab and filters the ministry came from
    return redirect(next_url if next_url.startswith(back) else back)


@permission_required("review.manage")
def declaration_reviews(request, guide_pk, pk):
    guide = guide_or_404(guide_pk)
    decl = finish_page_declaration(get_object_or_404(declaration_page_queryset(), pk=pk, guide=guide))
    agg = next(iter(ranking(guide, declaration_ids=[decl.pk], scores=stored_scores(guide, [decl.pk]))), None)
    assignments_ = (Assignment.objects.filter(declaration=decl).select_related("reviewer__reviewer_profile", "review")
                    .prefetch_related("review__scores"))
    criteria = list(setup.sheet_for(decl).criteria.all())
    rows = []
    for a in assignments_:
        review = getattr(a, "review", None)
        scores = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
        rows.append({"a": a, "review": review, "scores": [scores.get(c.pk) for c in criteria]})
    return render(request, "review/declaration_reviews.html", {
        "guide": guide, "decl": decl, "agg": agg, "rows": rows, "criteria": criteria,
        "reopen_form": ReasonForm(), "history": declaration_history(decl)[:100]})


@permission_required("review.manage")
@require_POST
def reopen(request, pk):
    review = get_object_or_404(Review.objects.select_related("assignment__declaration"), pk=pk)
    decl = review.assignment.declaration
    try:
        scoring.reopen_review(review=review, actor=request.user, reason=request.POST.get("reason", ""),
                               request=request)
        messages.success(request, _("评分已退回专家修改"))
    except ReviewError as e:
        messages.error(request, e.message)
    return redirect("review:declaration_reviews", decl.guide_id, decl.pk)


@permission_required("review.manage")
@require_POST
def open_notice(request, guide_pk):
    guide = guide_or_404(guide_pk)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            selection.open_public_notice(guide=guide, start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                                        actor=request.user, request=request)
            messages.success(request, _("拟入选名单公示已发布"))
        except ReviewError as e:
            messages.error(request, e.message)
    else:
        error_messages(request, form)
    return redirect("review:manage_guide", guide.pk)


@permission_required("review.manage")
@require_POST
def publish(request, guide_pk):
    guide = guide_or_404(guide_pk)
    if not confirm_fresh_password(request):
        return redirect("review:manage_guide", guide.pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        error_messages(request, form)
        return redirect("review:manage_guide", guide.pk)
    try:
        selection.publish_results(guide=guide, actor=request.user, doc_number=form.cleaned_data["doc_number"],
                                 outstanding_reason=form.cleaned_data["outstanding_reason"], request=request)
        messages.success(request, _("评审结果已公布，示范期开始计算，申报单位和推荐单位已收到通知。"))
    except ReviewError as e:
        messages.error(request, e.message)
    return redirect("review:manage_guide", guide.pk)


# ---------------------------------------------------------------- public

def results_index(request):
    settings_ = (ReviewSettings.objects.filter(notice_opened_at__isnull=False)
                 .select_related("guide").order_by("-guide__year", "-guide_id"))
    return render(request, "review/results_index.html", {"items": settings_})


def results_guide(request, guide_pk):
    cfg = get_object_or_404(ReviewSettings.objects.select_related("guide"), guide_id=guide_pk,
                            notice_opened_at__isnull=False)
    guide = cfg.guide
    # The list is numbered when it is fixed (review.selection.number_public_list): a page is the range of
    # stored positions after the previous pages', whatever the size of the selection.
    decls = Declaration.objects.filter(selection__guide=guide).select_related(
        "organisation", "direction__category").only(
        # Only the columns the list shows: a declaration's full row carries every text of the application.
        "project_name", "direction", "organisation__name", "organisation__region", "direction__code",
        "direction__name", "direction__category__code", "direction__category__name").annotate(
        serial=F("selection__public_serial")).order_by("selection__public_position")
    page = positioned_page(request, decls, "selection__public_position", RESULTS_PAGE_SIZE)
    groups = []
    for d in page:
        if not groups or groups[-1]["direction"].pk != d.direction_id:
            groups.append({"direction": d.direction, "items": []})
        groups[-1]["items"].append(d)
    return render(request, "review/results_guide.html", {"cfg": cfg, "guide": guide, "groups": groups,
                                                         "total": page.paginator.count, "page": page})
