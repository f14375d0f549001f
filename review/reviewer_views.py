"""The reviewer's pages: their queue, scoring one assignment, the form and attachments as they may see them
(anonymised when the review is blind), declining, and their profile with conflict declarations."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.pagination import BadCursor, keyset_page, query_without, refuse_cursor

from . import assignment, scoring, setup
from .base import ReviewError
from .blind import masked_title, reviewer_view
from .forms import (
    ConflictForm,
    ReasonForm,
)
from .models import Assignment, Review, ReviewerProfile
from .queries import (
    QUEUE_STATUSES,
    allowed_assignments,
    queue_progress,
    reviewer_page_assignment,
    reviewer_profile,
    reviewer_queue,
    sheet_criteria,
)
from .reviewers import declare_conflict
from .signals import review_copy_requested

QUEUE_PAGE_SIZE = 50
QUEUE_ORDER = [("id", False)]


@permission_required("review.work_as_reviewer")
def queue(request):
    """The reviewer's tasks, a keyset page at a time (a reviewer may hold hundreds), filtered by status."""
    profile = reviewer_profile(request.user)
    status = request.GET.get("status", "")
    if status and status not in QUEUE_STATUSES:
        messages.warning(request, _("没有这种任务状态，已显示全部任务"))
        status = ""
    try:
        page = keyset_page(reviewer_queue(request.user, status), QUEUE_ORDER, request.GET.get("cursor"),
                           QUEUE_PAGE_SIZE, "review.queue")
    except BadCursor:
        return refuse_cursor(request)
    items = []
    for a in allowed_assignments(profile, page.object_list):
        cfg = getattr(a.declaration.guide, "review_settings", None)
        blind = cfg.blind if cfg else True
        review = getattr(a, "review", None)
        done = bool(review and review.state == Review.State.SUBMITTED)
        items.append({"a": a, "name": masked_title(a.declaration, blind=blind),
                      "org": "" if blind else a.declaration.organisation.name,
                      "state": review.get_state_display() if review else _("未开始"), "done": done,
                      "paused": not done and profile is not None and not profile.is_active})
    done, total = queue_progress(request.user) if profile is not None else (0, 0)
    return render(request, "review/queue.html", {
        "profile": profile, "items": items, "done": done, "total": total, "page": page, "status": status,
        "query": query_without(request, "cursor"), "percent": int(done * 100 / total) if total else 0})


def _reviewer_page(request, pk, **_url):
    """The reviewer's own active, conflict-free assignment (else None: 404), carrying what they may see of it
    (`shown`, review.blind) and the guide's review settings (`cfg`)."""
    found = reviewer_page_assignment(request.user, pk)
    if found is None:
        return None
    a, decl, cfg = found
    a.shown, a.cfg = reviewer_view(decl, blind=cfg.blind), cfg
    return a


@permission_required("review.work_as_reviewer")
@permission_required("review.open_assignment", fetch=_reviewer_page)
def score(request, a, pk):
    view, cfg = a.shown, a.cfg
    review = getattr(a, "review", None)
    criteria = sheet_criteria(view.decl)
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
        "comment_error": errors.get("comment"), "review": review, "available": a.reviewer_available,
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

