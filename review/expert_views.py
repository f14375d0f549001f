"""The ministry's pages for the experts: reviewer accounts, their expertise and conflicts, and the conflict
declarations reviewers send."""

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from core.audit import records_for
from core.decorators import permission_required
from core.pagination import numbered_page
from declarations.models import Direction

from .base import ReviewError
from .forms import (
    ReviewerCreateForm,
    ReviewerEditForm,
)
from .models import Assignment, ConflictDeclaration, ReviewerProfile
from .reviewers import (
    create_reviewer,
    handle_conflict_declaration,
    update_reviewer,
)


def _form_errors(form, error):
    for field, message in (error.errors or {"__all__": error.message}).items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, message)


REVIEWERS_PAGE_SIZE = 50


@permission_required("review.manage")
def reviewers(request):
    """The experts, 50 a page (a national year has thousands), searchable by name, employer or login name.

    The page's ids come first (the order is an index range); the assignment and conflict counts are then
    grouped for those 50 only, not for every expert before the page is cut."""
    q = request.GET.get("q", "").strip()[:50]
    qs = ReviewerProfile.objects.order_by("-is_active", "name", "pk")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(employer__icontains=q) | Q(user__username__icontains=q))
    page = numbered_page(request, qs.values_list("pk", flat=True), REVIEWERS_PAGE_SIZE)
    ids = list(page.object_list)
    rows = {r.pk: r for r in (
        ReviewerProfile.objects.filter(pk__in=ids).select_related("user")
        .prefetch_related(Prefetch("expertise", queryset=Direction.objects.select_related("guide")
                                   .order_by("-guide__year", "guide_id", "code")))
        .annotate(active_assignments=Count("user__assignments",
                                           filter=Q(user__assignments__state=Assignment.State.ACTIVE),
                                           distinct=True),
                  pending_conflicts=Count("conflict_declarations",
                                          filter=Q(conflict_declarations__handled_at__isnull=True),
                                          distinct=True)))}
    return render(request, "review/reviewers.html", {
        "reviewers": [rows[pk] for pk in ids if pk in rows], "page": page, "q": q,
        "query": urlencode({"q": q}) if q else ""})


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

