"""Pages of recommending units: the workspace, the formal check, the ranking and the lists. Thin: the domain is in
lists, formal_check and recommendation. The ministry's unit and quota pages are in manage_views.py."""

import math

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import records_for
from core.decorators import permission_required
from core.forms import error_messages, first_error
from core.security import confirm_fresh_password, safe_next
from core.pagination import BadCursor, keyset_page, query_without, refuse_cursor
from declarations.eligibility import earlier_in_demo_period
from declarations.models import Declaration
from declarations.queries import (
    declaration_page_queryset,
    finish_page_declaration,
    first_guide_with_work,
    guides_with_open_declarations,
)

from . import formal_check, lists, recommendation
from .export import start_list_export
from .forms import (
    FilterForm,
    GuideChoiceForm,
    MoveForm,
    ReasonForm,
    RecommendForm,
    ReturnForm,
    VersionForm,
)
from .lists import ListError
from .models import RecommendationList
from .queries import (
    guides_with_pending_work,
    list_and_entry,
    list_numbers,
    mark_sent_up,
    ranking_rows,
    sent_up_ids,
    table_entries,
    workspace_parts,
)
from .readiness import child_ranks, child_states, confirmation_blockers, unchecked_annotation

S = Declaration.State
PAGE_SIZE = 50
# Non-draft declarations always carry their submission time (a withdrawal makes a draft again).
WORKSPACE_ORDER = [("submitted_at", True), ("id", True)]
RANK_PAGE = 100  # entries per page of a ranking (a big province ranks thousands)


def choose_guide(request):
    """The guide from ?guide=, else the newest published one with work pending for the user, else the newest.
    A bad value is reported and replaced."""
    field = GuideChoiceForm().fields["guide"]
    # One query: the picker lists these guides, and ?guide= must be one of them (the form's rule and message).
    guides = list(field.queryset)
    raw = request.GET.get("guide", "").strip()
    guide = next((g for g in guides if str(g.pk) == raw), None) if raw else None
    if raw and guide is None:
        messages.warning(request, field.error_messages["invalid_choice"])
    if guide is None and guides:
        pending = (guides_with_pending_work(request.user.unit_id) if request.user.is_unit_staff
                   else guides_with_open_declarations())
        guide = first_guide_with_work(field.queryset, pending)
    if guide is None:
        raise Http404(_("尚无已发布的申报指南"))
    return guide, guides


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _list_context(rec_list, user, **more):
    """What every list page shows (quota, deadline, counter) in one query; `more`: further annotations of the list's
    row (queries.list_numbers), in the context under their names."""
    _quota, deadline, numbers, extra = list_numbers(rec_list, **more)
    return {"rec_list": rec_list, "guide": rec_list.guide, "unit": rec_list.unit, "numbers": numbers,
            "deadline": deadline, "deadline_passed": deadline is not None and timezone.now() >= deadline,
            "can_change": user.has_perm("quotas.change_list", rec_list), **extra}


# --- unit staff --------------------------------------------------------------------

@permission_required("quotas.work_as_unit")
def workspace(request):
    guide, guides = choose_guide(request)
    rec_list = lists.get_unit_list(unit_id=request.user.unit_id, guide=guide)
    form = FilterForm(request.GET, guide=guide)
    parts = workspace_parts(rec_list)
    if form.is_valid():
        parts = [form.apply(part) for part in parts]
    else:
        error_messages(request, form)
    # Newest first, a keyset page at a time (index on unit, guide, submission time, id of non-drafts).
    try:
        page = keyset_page(parts, WORKSPACE_ORDER, request.GET.get("cursor"), PAGE_SIZE, "quotas.workspace")
    except BadCursor:
        return refuse_cursor(request)
    mark_sent_up(page.object_list, rec_list)
    # The count of declarations still to check rides on the list page's one query of numbers.
    return render(request, "quotas/workspace.html", {
        **_list_context(rec_list, request.user, unchecked=unchecked_annotation()), "guides": guides, "form": form, "page": page,
        "rows": page.object_list, "query": query_without(request, "cursor")})


def _declaration_in_jurisdiction(request, pk):
    """The declaration with what its page shows, if it is in the unit's jurisdiction (quotas.rules.in_jurisdiction),
    else None. `may_have_earlier`: whether the organisation has a selected project of another guide whose
    demonstration period runs (the page then reads them to compare titles; nearly always it has none)."""
    user = request.user
    if not (user.is_authenticated and user.is_unit_staff):
        return None
    # The rule of declarations_for_unit, asked of this one declaration: its own unit's (no query more), else sent up
    # by a child (one small query). Put into the page's query as a subquery, it doubled what PostgreSQL planned.
    running = Declaration.objects.filter(organisation_id=OuterRef("organisation_id"), state=S.SELECTED,
                                         demo_period_end__gte=timezone.localdate()).exclude(
        pk=OuterRef("pk")).exclude(guide_id=OuterRef("guide_id"))
    decl = (declaration_page_queryset().annotate(may_have_earlier=Exists(running)).exclude(state=S.DRAFT)
            .filter(pk=pk).first())
    if decl is not None and decl.unit_id != user.unit_id and not sent_up_ids(user.unit_id).filter(
            declaration_id=decl.pk).exists():
        decl = None
    if decl is not None:
        finish_page_declaration(decl)
        decl.loaded_in_jurisdiction_of = request.user.pk  # the jurisdiction rule need not ask again (quotas.rules)
    return decl


@permission_required("quotas.work_as_unit")
@permission_required("quotas.work_as_unit", fetch=_declaration_in_jurisdiction)
def declaration_detail(request, decl, pk):
    rec_list, entry = list_and_entry(unit_id=request.user.unit_id, declaration=decl)
    if rec_list is None:
        rec_list = lists.get_list(unit=request.user.unit, guide=decl.guide)
    # A similar title of the same organisation still in its demonstration period: shown side by side.
    earlier = [{"decl": d, "percent": round(r * 100)}
               for d, r, _same in earlier_in_demo_period(decl, running=None if decl.may_have_earlier else [])]
    return render(request, "quotas/declaration.html", {
        "decl": decl, "history": records_for(decl)[:100], "return_form": ReturnForm(), "entry": entry,
        "earlier": earlier,
        "rec_list": rec_list, "can_check": request.user.has_perm("quotas.check_declaration", decl)
        and not rec_list.is_confirmed, "exempt": decl.guide.quota_exempt_dcmm_min is not None
        and decl.organisation.dcmm_level >= decl.guide.quota_exempt_dcmm_min})


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.check_declaration", fetch=_declaration_in_jurisdiction)
def pass_declaration(request, decl, pk):
    try:
        formal_check.pass_check(declaration=decl, actor=request.user, request=request)
        messages.success(request, _("“%(p)s”形式审查通过，已进入推荐排序") % {"p": decl})
    except ListError as e:
        messages.error(request, e.message)
    return redirect(safe_next(request, reverse("quotas:declaration", args=[pk])))


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.check_declaration", fetch=_declaration_in_jurisdiction)
def return_declaration(request, decl, pk):
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            formal_check.return_declaration(declaration=decl, actor=request.user, reason=form.cleaned_data["reason"],
                                        request=request)
            messages.success(request, _("已退回“%(p)s”，申报单位将收到退回理由") % {"p": decl})
            return redirect(reverse("quotas:workspace") + f"?guide={decl.guide_id}")
        except ListError as e:
            messages.error(request, e.message)
    else:
        error_messages(request, form, fields=["reason"])
    return redirect("quotas:declaration", pk)


def _guide_list(request):
    guide, guides = choose_guide(request)
    return guide, guides, lists.get_unit_list(unit_id=request.user.unit_id, guide=guide)


@permission_required("quotas.work_as_unit")
def ranking(request):
    guide, guides, rec_list = _guide_list(request)
    return render(request, "quotas/ranking.html", _ranking_context(request, rec_list, guides=guides))


def _ranking_context(request, rec_list, guides=None, error=None):
    context = _list_context(rec_list, request.user,
                            **({} if rec_list.is_confirmed else {"unchecked": unchecked_annotation()}))
    now = timezone.now()
    children = child_states(rec_list.unit, rec_list.guide)
    ranks = child_ranks(rec_list) if children else {}
    entries, rank_page = _entries_page(request, rec_list, context["numbers"]["total"], rows=ranking_rows)
    for e in entries:
        e.child_rank = ranks.get(e.declaration_id)
    blockers = [] if rec_list.is_confirmed else confirmation_blockers(rec_list, now=now, numbers=context["numbers"],
                                                                      children=children, unchecked=context["unchecked"])
    return {**context, "entries": entries, "rank_page": rank_page, "guides": guides,
            "exempt_min": rec_list.guide.quota_exempt_dcmm_min, "error": error, "blockers": blockers,
            "children": [{"unit": c.unit, "list": c.rec_list, "confirmed": c.confirmed, "deadline": c.deadline,
                          "deadline_passed": c.deadline_passed(now), "blocks": c.blocks(now)} for c in children]}


def _entries_page(request, rec_list, total, rows=None):
    """One page of the list in rank order and the pager's numbers. Ranks run 1…n without gaps, so page p is
    the entries after rank (p − 1) × RANK_PAGE: an index range scan whatever the page."""
    source = request.POST if request.method == "POST" else request.GET
    raw = (source.get("page") or "1").strip()
    pages = max(1, math.ceil(total / RANK_PAGE))
    number = int(raw) if raw.isdigit() else 0
    if not 1 <= number <= pages:
        if request.method == "GET":
            messages.warning(request, _("没有第 %(p)s 页（共 %(n)s 页），已显示第 %(q)s 页")
                             % {"p": raw[:20], "n": pages, "q": 1 if number < 1 else pages})
        number = 1 if number < 1 else pages
    if rows is not None:  # the ranking table's rows, without model instances (queries.ranking_rows)
        entries = rows(rec_list, (number - 1) * RANK_PAGE, RANK_PAGE)
    else:
        entries = list(table_entries(rec_list).filter(rank__gt=(number - 1) * RANK_PAGE)[:RANK_PAGE])
    return entries, {"number": number, "pages": pages, "total": total, "query": query_without(request, "page"),
                     "previous": number - 1 if number > 1 else None, "next": number + 1 if number < pages else None}


def _ranking_response(request, rec_list, error=None):
    if _is_htmx(request):
        rec_list.refresh_from_db()
        return render(request, "quotas/_ranking_panel.html", _ranking_context(request, rec_list, error=error))
    if error:
        messages.error(request, error)
    page = request.POST.get("page", "")
    return redirect(reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
                    + (f"&page={page}" if page.isdigit() and page != "1" else ""))


def _list(request, pk):
    return RecommendationList.objects.select_related("guide", "unit").filter(pk=pk).first()


def _list_for_page(request, pk):
    return RecommendationList.objects.select_related("guide", "unit__parent", "confirmed_by").filter(pk=pk).first()


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.change_list", fetch=_list)
def move(request, rec_list, pk):
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _ranking_response(request, rec_list, first_error(form))
    d = form.cleaned_data
    try:
        recommendation.move_entry(rec_list=rec_list, declaration_id=d["declaration"], offset=-1 if d["direction"] == "up"
                            else 1, actor=request.user, expected_version=d["version"], request=request)
    except ListError as e:
        return _ranking_response(request, rec_list, e.message)
    return _ranking_response(request, rec_list)


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.change_list", fetch=_list)
def recommend(request, rec_list, pk):
    form = RecommendForm(request.POST)
    if not form.is_valid():
        return _ranking_response(request, rec_list, first_error(form))
    d = form.cleaned_data
    try:
        recommendation.set_recommended(rec_list=rec_list, declaration_id=d["declaration"],
                                 recommended=d["recommended"] == "1", actor=request.user,
                                 expected_version=d["version"], request=request)
    except ListError as e:
        return _ranking_response(request, rec_list, e.message)
    return _ranking_response(request, rec_list)


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.change_list", fetch=_list)
def confirm(request, rec_list, pk):
    url = reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
    if not confirm_fresh_password(request):
        return redirect(url)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(url)
    try:
        rec_list = recommendation.confirm_recommendations(rec_list=rec_list, actor=request.user,
                                                    expected_version=form.cleaned_data["version"], request=request)
        messages.success(request, _("推荐名单已确认（文号 %(n)s），推荐函正在生成") % {"n": rec_list.document_number})
    except ListError as e:
        messages.error(request, e.message)
    return redirect(url)


@permission_required("quotas.view_list", fetch=_list_for_page)
def list_detail(request, rec_list, pk):
    """A list read-only: for its own unit, its parent unit and the ministry."""
    context = _list_context(rec_list, request.user)
    entries, rank_page = _entries_page(request, rec_list, context["numbers"]["total"])
    return render(request, "quotas/list_detail.html", {
        **context, "entries": entries, "rank_page": rank_page,
        "exempt_min": rec_list.guide.quota_exempt_dcmm_min, "history": records_for(rec_list)[:50],
        "reopen_form": ReasonForm(), "is_ministry": request.user.is_ministry})


@permission_required("quotas.view_list", fetch=_list_for_page)
@require_POST
def export_list(request, rec_list, pk):
    """The confirmed list as an Excel workbook a clerk can print, built by a worker: show the export's page."""
    if not rec_list.is_confirmed:
        messages.error(request, _("推荐名单确认后才能下载 Excel"))
        return redirect("quotas:list", pk)
    export = start_list_export(rec_list=rec_list, user=request.user, request=request)
    return redirect("core:export", export.pk)


