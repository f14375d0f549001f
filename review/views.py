"""Thin views: who may call each one is at its top; the work is in services and queries."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from core.audit import records_for
from core.decorators import permission_required
from core.forms import error_messages
from core.regions import REGIONS, region_name
from core.security import confirm_fresh_password
from declarations.models import Declaration, Direction, Guide
from declarations.queries import declaration_page_queryset
from units.models import Unit

from . import assignment, scoring, selection, setup
from .base import ReviewError
from .blind import masked_title, reviewer_view
from .conflicts import conflict_reason
from .exports import start_ranking_export
from .forms import (
    ConflictForm,
    NoticeForm,
    PanelForm,
    PublishForm,
    ReasonForm,
    ReviewerCreateForm,
    ReviewerEditForm,
    SettingsForm,
)
from .models import Assignment, ConflictDeclaration, Panel, Review, ReviewerProfile, ReviewSettings, Selection
from .queries import (
    assignment_overview,
    declaration_history,
    guide_progress,
    ranked_declarations,
    ranking,
    ranking_filters,
    ranking_page_rows,
    reviewer_assignments,
    reviewer_page_assignment,
)
from .reviewers import (
    create_reviewer,
    declare_conflict,
    handle_conflict_declaration,
    pending_conflict_pairs,
    update_reviewer,
)
from .signals import review_copy_requested
from .workdays import add_working_days

User = get_user_model()
RANKING_PAGE_SIZE = 200  # rows per page of a ranking tab: thousands of projects stay one page of HTML


def _post_id(request, name):
    """A posted id as an int; anything else becomes 0, which matches nothing (never a 500)."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


# ---------------------------------------------------------------- reviewer

@permission_required("review.work_as_reviewer")
def queue(request):
    profile, rows = reviewer_assignments(request.user)
    items = []
    for a in rows:
        cfg = getattr(a.declaration.guide, "review_settings", None)
        blind = cfg.blind if cfg else True
        review = getattr(a, "review", None)
        done = bool(review and review.state == Review.State.SUBMITTED)
        items.append({"a": a, "name": masked_title(a.declaration, blind=blind),
                      "org": "" if blind else a.declaration.organisation.name,
                      "state": review.get_state_display() if review else _("未开始"), "done": done,
                      "paused": not done and profile is not None and not profile.is_active})
    done = sum(1 for i in items if i["done"])
    return render(request, "review/queue.html", {
        "profile": profile, "items": items, "done": done, "total": len(items),
        "percent": int(done * 100 / len(items)) if items else 0})


def _reviewer_page(request, pk, **_url):
    """The reviewer's own active, conflict-free assignment (else None: 404), carrying what they may see of it
    (`shown`, review.blind) and the guide's review settings (`cfg`)."""
    found = reviewer_page_assignment(request.user, pk)
    if found is None:
        return None
    a, decl, cfg = found
    a.shown, a.cfg = reviewer_view(decl, blind=cfg.blind), cfg
    return a


def _available(user):
    return ReviewerProfile.objects.filter(user=user, is_active=True).exists()


@permission_required("review.work_as_reviewer")
@permission_required("review.open_assignment", fetch=_reviewer_page)
def score(request, a, pk):
    view, cfg = a.shown, a.cfg
    review = getattr(a, "review", None)
    criteria = list(setup.sheet_for(view.decl).criteria.all())
    values = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
    comment = review.comment if review else ""
    errors = {}
    if request.method == "POST":
        submit = "submit" in request.POST
        try:
            review = scoring.save_review(assignment=a, actor=request.user, scores=request.POST,
                                          comment=request.POST.get("comment", ""), submit=submit, request=request)
        except ReviewError as e:
            messages.error(request, e.message)
            errors = e.errors or {"__all__": e.message}
            values = {c.pk: request.POST.get(f"score_{c.pk}", "") for c in criteria}
            comment = request.POST.get("comment", "")
        else:
            messages.success(request, _("评分已提交，感谢您的评审。") if submit else _("评分草稿已保存"))
            return redirect("review:queue" if submit else "review:score", *([] if submit else [a.pk]))
    rows = [{"c": c, "key": f"score_{c.pk}", "value": values.get(c.pk, ""), "error": errors.get(f"score_{c.pk}")}
            for c in criteria]
    return render(request, "review/score.html", {
        "a": a, "decl": view.decl, "blind": view.blind, "cfg": cfg, "rows": rows, "comment": comment,
        "comment_error": errors.get("comment"), "review": review, "available": _available(request.user),
        "submitted": bool(review and review.state == Review.State.SUBMITTED),
        "max_total": setup.sheet_max_total(criteria), "attachments": view.attachments,
        "decline_form": ReasonForm()}, status=400 if errors else 200)


@permission_required("review.work_as_reviewer")
@permission_required("review.open_assignment", fetch=_reviewer_page)
def application_form(request, a, pk):
    """The application form as the reviewer may see it (anonymised in blind mode), and its PDF copy."""
    view = a.shown
    return render(request, "review/application_form.html", {
        "a": a, "decl": view.decl, "blind": view.blind, "attachments": view.attachments,
        "next": request.path})


@permission_required("review.work_as_reviewer")
@require_POST
@permission_required("review.open_assignment", fetch=_reviewer_page)
def request_pdf(request, a, pk):
    """Queue the reviewer's PDF copy of the form, built from the same view as the pages (masked when blind)."""
    review_copy_requested.send(sender=Assignment, assignment=a, view=a.shown, actor=request.user, request=request)
    messages.info(request, _("正在生成评审用申报书（PDF），完成后可在本页下载。"))
    return redirect("review:application_form", a.pk)


@permission_required("review.work_as_reviewer")
@permission_required("review.open_assignment", fetch=_reviewer_page)
def download_attachment(request, a, pk, n):
    shown = a.shown.attachment(n)
    if shown is None:  # hidden in blind review, or no such number: the same answer
        raise Http404
    try:
        handle = shown.attachment.file.open("rb")
    except OSError:  # the stored file is gone: say so rather than fail
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=shown.filename, content_type=shown.attachment.content_type)


@permission_required("review.work_as_reviewer")
@require_POST
@permission_required("review.open_assignment", fetch=_reviewer_page)
def decline(request, a, pk):
    try:
        assignment.decline_assignment(assignment=a, actor=request.user, reason=request.POST.get("reason", ""),
                                    request=request)
    except ReviewError as e:
        messages.error(request, e.message)
        return redirect("review:score", a.pk)
    messages.success(request, _("已谢绝该评审任务，主管部门将另行安排专家。"))
    return redirect("review:queue")


@permission_required("review.work_as_reviewer")
def profile(request):
    prof = ReviewerProfile.objects.filter(user=request.user).prefetch_related("expertise").first()
    if prof is None:
        raise Http404
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declare_conflict(profile=prof, text=form.cleaned_data["organisation"], actor=request.user,
                                      request=request)
        except ReviewError as e:
            form.add_error("organisation", e.message)
        else:
            # The same words whatever was typed: this page must not tell whether an organisation exists.
            messages.success(request, _("回避申明已登记，主管部门将核实并调整评审分配。"))
            return redirect("review:profile")
    return render(request, "review/profile.html", {
        "profile": prof, "form": form, "declarations": prof.conflict_declarations.all()[:50]},
        status=400 if form.errors else 200)


# ---------------------------------------------------------------- ministry

def _guide(pk):
    return get_object_or_404(Guide, pk=pk)


@permission_required("review.manage")
def manage_index(request):
    guides = list(Guide.objects.select_related("review_settings").order_by("-year", "-id"))
    return render(request, "review/manage_index.html", {"guides": guides})


@permission_required("review.manage")
def manage_guide(request, guide_pk):
    guide = _guide(guide_pk)
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
        "report": request.session.pop(f"assign_report_{guide.pk}", None)})


@permission_required("review.manage")
@require_POST
def update_settings(request, guide_pk):
    guide = _guide(guide_pk)
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
@require_POST
def run_assignment(request, guide_pk):
    guide = _guide(guide_pk)
    panel = None
    if request.POST.get("panel"):
        panel = get_object_or_404(Panel, pk=_post_id(request, "panel"), guide=guide)
    try:
        report = assignment.assign_reviewers(guide=guide, panel=panel, actor=request.user, request=request)
    except ReviewError as e:
        messages.error(request, e.message)
        return redirect("review:manage_guide", guide.pk)
    messages.success(request, _("自动分配完成：新增 %(n)d 条分配") % {"n": report.created})
    request.session[f"assign_report_{guide.pk}"] = {"problems": [str(p) for p in report.problems],
                                                    "loads": report.loads}
    return redirect("review:manage_guide", guide.pk)


@permission_required("review.manage")
def panel_edit(request, guide_pk, pk=None):
    guide = _guide(guide_pk)
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


def _form_errors(form, error):
    for field, message in (error.errors or {"__all__": error.message}).items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, message)


@permission_required("review.manage")
def reviewers(request):
    rows = (ReviewerProfile.objects.select_related("user")
            .prefetch_related(Prefetch("expertise", queryset=Direction.objects.select_related("guide")
                                       .order_by("-guide__year", "guide_id", "code")))
            .annotate(active_assignments=Count("user__assignments",
                                               filter=Q(user__assignments__state=Assignment.State.ACTIVE),
                                               distinct=True),
                      pending_conflicts=Count("conflict_declarations",
                                              filter=Q(conflict_declarations__handled_at__isnull=True),
                                              distinct=True))
            .order_by("-is_active", "name", "pk"))
    return render(request, "review/reviewers.html", {"reviewers": rows})


@permission_required("review.manage")
def reviewer_new(request):
    form = ReviewerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            profile = create_reviewer(
                username=d["username"], email=d["email"], password=d["password"], name=d["name"],
                employer=d["employer"], region=d["region"], title=d["title"], expertise=list(d["expertise"]),
                actor=request.user, request=request)
        except ReviewError as e:
            _form_errors(form, e)
        else:
            messages.success(request, _("已新建评审专家“%(name)s”，登录名 %(u)s") % {
                "name": profile.name, "u": d["username"]})
            return redirect("review:reviewers")
    return render(request, "review/reviewer_form.html", {"form": form, "profile": None},
                  status=400 if form.errors else 200)


@permission_required("review.manage")
def reviewer_edit(request, pk):
    profile = get_object_or_404(ReviewerProfile.objects.select_related("user"), pk=pk)
    initial = {"name": profile.name, "employer": profile.employer, "region": profile.region, "title": profile.title,
               "email": profile.user.email, "expertise": profile.expertise.all(),
               "conflicts": profile.conflicts.all(), "is_active": profile.is_active}
    form = ReviewerEditForm(request.POST or None, profile=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            update_reviewer(
                profile=profile, actor=request.user, request=request, name=d["name"], employer=d["employer"],
                region=d["region"], title=d["title"], email=d["email"], expertise=list(d["expertise"]),
                conflicts=list(d["conflicts"]), add_conflict=d["add_conflict"], is_active=d["is_active"])
        except ReviewError as e:
            _form_errors(form, e)
        else:
            messages.success(request, _("评审专家“%(name)s”的资料已保存") % {"name": d["name"]})
            return redirect("review:reviewer_edit", profile.pk)
    declarations = profile.conflict_declarations.select_related("organisation", "handled_by")[:50]
    return render(request, "review/reviewer_form.html", {
        "form": form, "profile": profile, "history": records_for(profile)[:20],
        "has_second_factor": user_has_device(profile.user), "declarations": declarations},
        status=400 if form.errors else 200)


@permission_required("review.manage")
@require_POST
def handle_conflict(request, pk):
    """Close a reviewer's conflict declaration: `accept` adds the matched organisation to their conflicts."""
    declaration = get_object_or_404(ConflictDeclaration.objects.select_related("profile"), pk=pk)
    try:
        handle_conflict_declaration(declaration=declaration, accept=request.POST.get("accept") == "1",
                                             actor=request.user, request=request)
        messages.success(request, _("回避申明已处理；受影响的评审任务请在评审分配页更换专家。"))
    except ReviewError as e:
        messages.error(request, e.message)
    return redirect("review:reviewer_edit", declaration.profile_id)


@permission_required("review.manage")
def assignments(request, guide_pk):
    guide = _guide(guide_pk)
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
    guide = _guide(guide_pk)
    decl = Declaration.objects.select_related("organisation", "guide").filter(
        pk=_post_id(request, "declaration"), guide=guide).first()
    if decl is None:
        messages.error(request, _("请选择本指南下已推荐的项目"))
        return redirect("review:assignments", guide.pk)
    reviewer = User.objects.filter(pk=_post_id(request, "reviewer"), role=User.Role.REVIEWER).first()
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
    reviewer = User.objects.filter(pk=_post_id(request, "reviewer"), role=User.Role.REVIEWER).first()
    if reviewer is None:
        messages.error(request, _("请选择替换的评审专家"))
        return _back_to_assignments(a.declaration)
    try:
        assignment.swap_reviewer(assignment=a, new_reviewer=reviewer, actor=request.user, request=request)
        messages.success(request, _("已更换评审专家"))
    except ReviewError as e:
        messages.error(request, e.message)
    return _back_to_assignments(a.declaration)


def _score_text(value, places):
    """A score as the page shows it ("—" when missing); the scores are already rounded to `places`."""
    return "—" if value is None else f"{value + 0.0:.{places}f}"  # + 0.0: never "-0.00"


def _ranking_groups(guide, directions, rows, threshold):
    """The rows of the page per direction, as plain dicts with their display texts computed once."""
    limits = {d.pk: getattr(getattr(d, "review_setting", None), "selection_limit", None) for d in directions}
    chosen = dict(Selection.objects.filter(declaration__guide=guide).order_by()
                  .values_list("declaration__direction").annotate(n=Count("id")))
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
    guide = _guide(guide_pk)
    cfg = setup.settings_for(guide)
    filters, order = ranking_filters(request.GET, guide)
    directions = list(guide.directions.select_related("review_setting"))
    rows, page = ranking_page_rows(guide, page=request.GET.get("page"), per_page=RANKING_PAGE_SIZE, order=order,
                                   directions=directions, **filters)
    others = {k: v for k, v in filters.items() if k != "direction"}
    counts = dict(ranked_declarations(guide, **others).order_by().values_list("direction").annotate(n=Count("id")))
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
        "units": Unit.objects.filter(declarations__guide=guide).distinct().order_by("name").only("pk", "name"),
        "regions": REGIONS, "query": request.GET.urlencode(), "next_url": request.get_full_path(),
        "page": page, "page_query": page_query.urlencode(),
        # The spread bar: full at twice the disagreement threshold, shown as "high" past the threshold.
        "spread_high": f"{float(cfg.disagreement_threshold):.2f}",
        "spread_max": f"{max(float(cfg.disagreement_threshold) * 2, 1.0):.2f}"})


@permission_required("review.manage")
@require_POST
def ranking_export(request, guide_pk):
    """The ranking as Excel, built by a worker (thousands of rows); the admin follows the export's page."""
    guide = _guide(guide_pk)
    export = start_ranking_export(guide=guide, query=request.POST.get("query", ""), user=request.user,
                                  request=request)
    return redirect("core:export", export.pk)


@permission_required("review.manage")
@require_POST
def toggle_selection(request, guide_pk):
    """The ranking's buttons: `select=<id>` puts a project on the provisional list, `unselect=<id>` takes it off."""
    guide = _guide(guide_pk)
    select, unselect = _post_id(request, "select"), _post_id(request, "unselect")
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
    next_url = request.POST.get("next", "")
    if next_url.startswith(reverse("review:ranking", args=[guide.pk])):
        return redirect(next_url)
    return redirect("review:ranking", guide.pk)


@permission_required("review.manage")
def declaration_reviews(request, guide_pk, pk):
    guide = _guide(guide_pk)
    decl = get_object_or_404(declaration_page_queryset(), pk=pk, guide=guide)
    agg = next(iter(ranking(guide, declaration_ids=[decl.pk])), None)
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
    guide = _guide(guide_pk)
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
    guide = _guide(guide_pk)
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
    if cfg.is_published:
        decls = Declaration.objects.filter(guide=guide, state=Declaration.State.SELECTED)
    else:
        decls = Declaration.objects.filter(guide=guide, selection__isnull=False)
    # Only the columns the list shows: a declaration's full row carries every text of the application.
    decls = decls.select_related("organisation", "direction__category").only(
        "project_name", "direction", "organisation__name", "organisation__region", "direction__code",
        "direction__name", "direction__category__code", "direction__category__name").order_by(
        "direction__order", "organisation__region", "pk")
    groups = []
    for d in decls:
        if not groups or groups[-1]["direction"].pk != d.direction_id:
            groups.append({"direction": d.direction, "items": []})
        groups[-1]["items"].append(d)
    return render(request, "review/results_guide.html", {"cfg": cfg, "guide": guide, "groups": groups,
                                                         "total": sum(len(g["items"]) for g in groups)})
