"""The ministry's pages for self-evaluation rounds: open, progress, close, sample, experts, conclusions, publish."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.pagination import numbered_page
from core.security import confirm_fresh_password
from declarations.models import Guide
from review.models import ReviewerProfile

from . import services, spotcheck
from .forms import ConcludeForm, RoundForm
from .models import Rating, Round
from .queries import progress, reports
from .views import _errors, find_report

User = get_user_model()


ROUND_PAGE_SIZE = 100


def _guides_with_results():
    return Guide.objects.filter(review_settings__published_at__isnull=False).order_by("-year", "-id")


@permission_required("demonstration.manage")
def manage(request):
    form = RoundForm(request.POST or None)
    guides = list(_guides_with_results())
    if request.method == "POST":
        guide_id = request.POST.get("guide", "")
        guide = next((g for g in guides if str(g.pk) == guide_id), None)
        if guide is None:
            messages.error(request, _("请选择已公布入选名单的指南"))
        elif form.is_valid():
            try:
                rnd = services.open_round(guide=guide, actor=request.user, request=request, **form.cleaned_data)
            except services.EvaluationError as e:
                _errors(request, e)
            else:
                messages.success(request, _("自查评估已开启，已通知 %(n)d 个项目单位") % {"n": rnd.reports.count()})
                return redirect("demonstration:manage_round", rnd.pk)
    rounds = Round.objects.select_related("guide").order_by("-created_at")
    return render(request, "demonstration/manage.html", {"form": form, "guides": guides, "rounds": rounds})


@permission_required("demonstration.manage")
def manage_round(request, pk):
    rnd = get_object_or_404(Round.objects.select_related("guide"), pk=pk)
    # A national year's round holds thousands of projects: a page of them at a time, in direction order.
    page = numbered_page(request, reports().filter(round=rnd).prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.select_related("reviewer"))).order_by(
        "declaration__direction__order", "declaration__direction_id", "pk"), ROUND_PAGE_SIZE)
    now = timezone.now()
    return render(request, "demonstration/manage_round.html", {
        "round": rnd, "rows": page.object_list, "page": page, "progress": progress(rnd),
        "can_close": rnd.unit_deadline_passed(now) and not rnd.closed_at,
        "can_sample": bool(rnd.closed_at) and not rnd.sampled_at,
        "can_publish": bool(rnd.sampled_at) and not rnd.published_at})


def _round_action(request, pk, fn, ok):
    rnd = get_object_or_404(Round, pk=pk)
    try:
        result = fn(round=rnd, actor=request.user, request=request)
    except services.EvaluationError as e:
        _errors(request, e)
    else:
        messages.success(request, ok(result))
    return redirect("demonstration:manage_round", rnd.pk)


@permission_required("demonstration.manage")
@require_POST
def close(request, pk):
    return _round_action(request, pk, spotcheck.close_reporting,
                         lambda missing: _("截止处理完成：%(n)d 个项目未按期报送，已取消示范资格") % {"n": len(missing)})


@permission_required("demonstration.manage")
@require_POST
def sample(request, pk):
    return _round_action(request, pk, spotcheck.draw_sample,
                         lambda chosen: _("已按方向分层抽取 %(n)d 个项目") % {"n": len(chosen)})


@permission_required("demonstration.manage")
@require_POST
def publish(request, pk):
    """Publishing is public and final: the password (and second factor) is asked again, as for the review's results."""
    rnd = get_object_or_404(Round, pk=pk)
    if not confirm_fresh_password(request):
        return redirect("demonstration:manage_round", rnd.pk)
    return _round_action(request, pk, spotcheck.publish_round, lambda rnd: _("结果已公布"))


@permission_required("demonstration.manage")
@permission_required("demonstration.manage", fetch=find_report)
def manage_report(request, report, pk):
    ratings = list(report.ratings.select_related("reviewer__reviewer_profile").order_by("pk"))
    taken = {r.reviewer_id for r in ratings}
    experts = []
    if report.sampled and not report.outcome:
        profiles = (ReviewerProfile.objects.filter(is_active=True, user__is_active=True)
                    .select_related("user").prefetch_related("conflicts").order_by("name"))
        for p in profiles:
            if p.user_id not in taken:
                experts.append({"profile": p, "conflict": spotcheck.expert_conflict(p, report)})
    form = ConcludeForm(initial={"star_level": report.star_level or spotcheck.suggested_level(report),
                                 "outcome": report.outcome or None, "comment": report.conclusion})
    return render(request, "demonstration/manage_report.html", {
        "report": report, "ratings": ratings, "experts": experts, "form": form})


@permission_required("demonstration.manage")
@require_POST
@permission_required("demonstration.manage", fetch=find_report)
def assign(request, report, pk):
    value = request.POST.get("reviewer", "")
    reviewer = User.objects.filter(pk=int(value), role=User.Role.REVIEWER).first() if value.isdigit() else None
    if reviewer is None:
        messages.error(request, _("请选择评审专家"))
    else:
        try:
            spotcheck.assign_expert(report=report, reviewer=reviewer, actor=request.user, request=request)
            messages.success(request, _("已分配专家"))
        except services.EvaluationError as e:
            _errors(request, e)
    return redirect("demonstration:manage_report", report.pk)


@permission_required("demonstration.manage")
@require_POST
@permission_required("demonstration.manage", fetch=find_report)
def conclude(request, report, pk):
    try:
        spotcheck.conclude(report=report, outcome=request.POST.get("outcome", ""),
                           star_level=request.POST.get("star_level", ""), comment=request.POST.get("comment", ""),
                           actor=request.user, request=request)
        messages.success(request, _("抽查结论已保存"))
    except services.EvaluationError as e:
        _errors(request, e)
    return redirect("demonstration:manage_report", report.pk)
