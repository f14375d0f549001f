"""The ministry's set-up pages of the review: panels and scoring sheets of every guide (in the site, not the
Django admin). Gate: the django-rules permission review.manage (review/rules.py)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.decorators import permission_required
from declarations.models import Guide

from .forms import CriterionFormSet, ScoringSheetForm
from .models import Panel, ScoringSheet
from .base import ReviewError
from .sheets import percent, save_scoring_sheet

User = get_user_model()



def _guides():
    return Guide.objects.order_by("-year", "-id").only("pk", "year", "title", "is_published")


@permission_required("review.manage")
def panels(request):
    """Every guide's panels, newest guide first."""
    guides = list(_guides().prefetch_related(Prefetch("panels", queryset=Panel.objects.prefetch_related(
        "directions", Prefetch("reviewers", queryset=User.objects.select_related("reviewer_profile"))))))
    return render(request, "review/panels.html", {"guides": guides})


@permission_required("review.manage")
def sheets(request):
    """Every guide's scoring sheets with their criteria and weight totals."""
    guides = list(_guides().prefetch_related(Prefetch(
        "scoring_sheets", queryset=ScoringSheet.objects.select_related("direction").prefetch_related("criteria")
        .order_by("direction__order", "direction_id"))))
    for g in guides:
        for s in g.scoring_sheets.all():
            s.total_percent = percent(s.weight_total())
    return render(request, "review/sheets.html", {"guides": guides})


def _rows(formset):
    """The filled-in rows not ticked for deletion (blank extra rows have empty cleaned_data)."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


@permission_required("review.manage")
def sheet_edit(request, guide_pk, pk=None):
    guide = get_object_or_404(Guide, pk=guide_pk)
    sheet = get_object_or_404(ScoringSheet.objects.prefetch_related("criteria"), pk=pk, guide=guide) if pk else None
    initial = None
    rows = None
    if sheet is not None:
        initial = {"name": sheet.name, "direction": sheet.direction_id}
        rows = [{"name": c.name, "guidance": c.guidance, "max_points": c.max_points,
                 "weight_percent": percent(c.weight)} for c in sheet.criteria.all()]
    form = ScoringSheetForm(request.POST or None, guide=guide, initial=initial)
    formset = CriterionFormSet(request.POST or None, initial=rows, prefix="c")
    total = None
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            criteria = _rows(formset)
            total = sum(r["weight_percent"] for r in criteria)
            try:
                sheet = save_scoring_sheet(guide=guide, sheet=sheet, actor=request.user, request=request,
                                           name=form.cleaned_data["name"], direction=form.cleaned_data["direction"],
                                           criteria=criteria)
            except ReviewError as e:
                for field, message in (e.errors or {"__all__": e.message}).items():
                    form.add_error(None if field not in form.fields else field, message)
            else:
                messages.success(request, _("评分表“%(name)s”已保存") % {"name": sheet.name})
                return redirect("review:sheets")
    return render(request, "review/sheet_form.html", {
        "guide": guide, "sheet": sheet, "form": form, "formset": formset, "total": total},
        status=400 if request.method == "POST" else 200)
