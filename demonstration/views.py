"""Thin views for applicants, units, experts and the public; who may call each one is at its top.

The ministry's pages are in manage_views.py. Objects are found and then checked with the
permissions of rules.py; a stranger gets 404.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.forms import error_messages
from core.pagination import numbered_page

from . import services, spotcheck
from .forms import AttachmentForm, RatingForm, ReportForm, ReturnForm, posted_indicators
from .models import DIMENSIONS, Rating, Report, ReportAttachment, Round
from .queries import public_result, reports

UNIT_PAGE_SIZE = 100


def find_report(request, pk, **_url):
    """The report with its attachments, for the permission check and the page (core.decorators)."""
    return reports().prefetch_related("attachments").filter(pk=pk).first()


def _attachment(request, att_pk):
    return ReportAttachment.objects.select_related("report__declaration").filter(pk=att_pk).first()


def _round_of_own_unit(request, pk):
    """A round in which the unit has reports (another unit's round: 404)."""
    return Round.objects.filter(pk=pk, reports__declaration__unit_id=request.user.unit_id).distinct().first()


def _own_rating(request, pk):
    return (Rating.objects.select_related("report__round", "report__declaration__organisation",
                                          "report__declaration__direction")
            .filter(pk=pk, reviewer=request.user).first())


def _errors(request, e):
    messages.error(request, e.message)
    for msg in e.errors.values():
        messages.error(request, msg)


def _indicator_rows(report, extra=3):
    return list(report.indicators or []) + [{}] * max(extra, 5 - len(report.indicators or []))


# ---------------------------------------------------------------- applicant

@permission_required("demonstration.write_reports")
def mine(request):
    rows = list(reports().filter(declaration__organisation_id=request.user.organisation_id)
                .order_by("-round__created_at"))
    now = timezone.now()
    for r in rows:  # the same deadlines the service enforces: a returned report may be fixed until the unit's
        deadline = r.round.unit_deadline if r.state == Report.State.RETURNED else r.round.report_deadline
        r.can_edit = r.is_editable and not r.round.closed_at and now < deadline
    return render(request, "demonstration/mine.html", {"rows": rows})


@permission_required("demonstration.view_report", fetch=find_report)
def report_detail(request, report, pk):
    """The owner, the project's recommending unit and the ministry (others: 404)."""
    now = timezone.now()
    can_check = (request.user.has_perm("demonstration.check_report", report) and report.state == Report.State.SUBMITTED
                 and not report.round.unit_deadline_passed(now) and not report.round.closed_at)
    return render(request, "demonstration/report_detail.html", {
        "report": report, "can_check": can_check, "return_form": ReturnForm(),
        "can_edit": request.user.has_perm("demonstration.edit_report", report)})


@permission_required("demonstration.write_reports")
@permission_required("demonstration.edit_report", fetch=find_report)
def report_edit(request, report, pk):
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.save_report(report=report, actor=request.user, indicators=posted_indicators(request.POST),
                                     submit=submit, request=request, **form.cleaned_data)
            except services.EvaluationError as e:
                _errors(request, e)
            else:
                messages.success(request, _("自查报告已提交，等待推荐单位审核") if submit else _("草稿已保存"))
                if submit:
                    return redirect("demonstration:report", report.pk)
            return redirect("demonstration:report_edit", report.pk)
    else:
        form = ReportForm(initial={"progress": report.progress, "problems": report.problems,
                                   "next_steps": report.next_steps})
    return render(request, "demonstration/report_edit.html", {
        "report": report, "form": form, "rows": _indicator_rows(report), "attachment_form": AttachmentForm()})


@permission_required("demonstration.write_reports")
@require_POST
@permission_required("demonstration.edit_report", fetch=find_report)
def upload_attachment(request, report, pk):
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            att = services.add_attachment(report=report, upload=form.cleaned_data["file"], mime=form.mime,
                                          label=form.cleaned_data["label"], actor=request.user, request=request)
        except services.EvaluationError as e:
            _errors(request, e)
        else:
            messages.success(request, _("附件“%(name)s”已上传") % {"name": att.original_name})
    else:
        error_messages(request, form)
    return redirect("demonstration:report_edit", report.pk)


@permission_required("demonstration.write_reports")
@require_POST
@permission_required("demonstration.edit_report", fetch=find_report)
def delete_attachment(request, report, pk, att_pk):
    att = get_object_or_404(ReportAttachment, report=report, pk=att_pk)
    try:
        services.remove_attachment(report=report, attachment=att, actor=request.user, request=request)
        messages.success(request, _("附件“%(name)s”已删除") % {"name": att.original_name})
    except services.EvaluationError as e:
        _errors(request, e)
    return redirect("demonstration:report_edit", report.pk)


@permission_required("demonstration.download_attachment", fetch=_attachment)
def download_attachment(request, att, att_pk):
    """The owner, the unit, the ministry and an expert rating the report without a conflict."""
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name,
                        content_type=att.content_type)


# ---------------------------------------------------------------- recommending unit

@permission_required("demonstration.check_reports")
def unit_reports(request):
    # A province's unit may hold a thousand selected projects: a page of reports at a time, grouped by round;
    # the send-up button counts the round's passed reports on every page, not only this page's.
    mine = Report.objects.filter(declaration__unit_id=request.user.unit_id)
    page = numbered_page(request, reports().filter(declaration__unit_id=request.user.unit_id)
                         .order_by("-round__created_at", "round_id", "pk"), UNIT_PAGE_SIZE)
    rounds = {}
    for r in page.object_list:
        rounds.setdefault(r.round, []).append(r)
    passed = dict(mine.filter(state=Report.State.PASSED, round_id__in=[rnd.pk for rnd in rounds])
                  .order_by().values("round_id").annotate(n=Count("pk")).values_list("round_id", "n"))
    now = timezone.now()
    groups = [{"round": rnd, "rows": items, "passed": passed.get(rnd.pk, 0),
               "open": not rnd.unit_deadline_passed(now) and not rnd.closed_at} for rnd, items in rounds.items()]
    return render(request, "demonstration/unit.html", {"groups": groups, "page": page})


@permission_required("demonstration.check_reports")
@require_POST
@permission_required("demonstration.check_report", fetch=find_report)
def pass_report(request, report, pk):
    try:
        services.pass_report(report=report, actor=request.user, request=request)
        messages.success(request, _("自查报告审核通过，请在本页报送主管部门"))
    except services.EvaluationError as e:
        _errors(request, e)
    return redirect("demonstration:unit")


@permission_required("demonstration.check_reports")
@require_POST
@permission_required("demonstration.check_report", fetch=find_report)
def return_report(request, report, pk):
    try:
        services.return_report(report=report, actor=request.user, reason=request.POST.get("reason", ""), request=request)
        messages.success(request, _("已退回项目单位修改"))
    except services.EvaluationError as e:
        _errors(request, e)
        return redirect("demonstration:report", report.pk)
    return redirect("demonstration:unit")


@permission_required("demonstration.check_reports")
@require_POST
@permission_required("demonstration.check_reports", fetch=_round_of_own_unit)
def send_up(request, rnd, pk):
    try:
        n = services.send_up(round=rnd, unit=request.user.unit, actor=request.user, request=request)
        messages.success(request, _("已向主管部门报送 %(n)d 份自查报告") % {"n": n})
    except services.EvaluationError as e:
        _errors(request, e)
    return redirect("demonstration:unit")


# ---------------------------------------------------------------- expert

@permission_required("demonstration.rate_reports")
def expert_tasks(request):
    rows = (Rating.objects.filter(reviewer=request.user).select_related("report__round", "report__declaration")
            .order_by("submitted_at", "pk"))
    return render(request, "demonstration/expert.html", {"rows": rows})


@permission_required("demonstration.rate_reports")
@permission_required("demonstration.rate", fetch=_own_rating)
def rate(request, rating, pk):
    report = rating.report
    if request.method == "POST":
        form = RatingForm(request.POST)
        try:
            spotcheck.submit_rating(rating=rating, actor=request.user, stars=request.POST,
                                    comment=request.POST.get("comment", ""), request=request)
        except services.EvaluationError as e:
            _errors(request, e)
        else:
            messages.success(request, _("星级评价已提交"))
            return redirect("demonstration:expert")
    else:
        form = RatingForm(initial={k: getattr(rating, k) for k, _l in [*DIMENSIONS, ("overall", "")]}
                          | {"comment": rating.comment})
    return render(request, "demonstration/rate.html", {
        "rating": rating, "report": report, "form": form,
        "attachments": list(report.attachments.all()), "locked": bool(report.outcome or report.round.published_at)})


# ---------------------------------------------------------------- public results

def results(request):
    rounds = (Round.objects.filter(published_at__isnull=False).select_related("guide")
              .annotate(n=Count("reports"), n_sampled=Count("reports", filter=Q(reports__sampled=True))))
    return render(request, "demonstration/results.html", {"rounds": rounds})


def results_round(request, pk):
    rnd = get_object_or_404(Round.objects.select_related("guide"), pk=pk, published_at__isnull=False)
    rows = list(reports().filter(round=rnd).order_by("declaration__direction__order", "declaration__direction_id",
                                                      "-star_level", "pk"))
    for r in rows:
        r.result = public_result(r)
    return render(request, "demonstration/results_round.html", {"round": rnd, "rows": rows})
