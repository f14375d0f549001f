"""The ministry's pages for recommending units: quotas and deadlines per guide, reopening a confirmed list,
the units themselves and their staff accounts; and a unit's seal image."""

from django.contrib import messages
from django.db.models import Count, F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import records_for
from core.decorators import permission_required
from core.forms import first_error
from core.security import requires_fresh_password
from core.security_devices import users_with_device
from declarations.models import Guide
from units.models import Unit

from . import administration
from .forms import (
    ReasonForm,
    StaffForm,
    UnitForm,
    UnitSettingForm,
)
from .lists import ListError
from .models import RecommendationList, UnitGuideSetting
from .queries import (
    overview,
    quota_for,
)
from .views import choose_guide


_SLOT = 987654321  # a number no id of this site reaches, replaced by each row's id


@permission_required("quotas.manage")
def admin_overview(request):
    guide, guides = choose_guide(request)
    rows = overview(guide)
    # Each row's two links from one reverse() per URL name (55 units × 2 reverses were a tenth of the page),
    # and its deadline formatted as the `date` filter would.
    now = timezone.now()
    list_url = reverse("quotas:list", args=[_SLOT]).replace(str(_SLOT), "{}")
    setting_url = reverse("quotas:setting", args=[guide.pk, _SLOT]).replace(str(_SLOT), "{}") if guide else ""
    for r in rows:
        r["list_url"] = list_url.format(r["list"].pk) if r["list"] else ""
        r["setting_url"] = setting_url.format(r["unit"].pk)
        r["late"] = bool(r["deadline"]) and r["deadline"] < now and not r["confirmed"]
        r["deadline_text"] = timezone.localtime(r["deadline"]).strftime("%Y-%m-%d %H:%M") if r["deadline"] else ""
    totals = {"quota": sum(r["quota"] or 0 for r in rows), "used": sum(r["used"] for r in rows),
              "exempt": sum(r["exempt"] for r in rows), "confirmed": sum(1 for r in rows if r["confirmed"])}
    return render(request, "quotas/admin_overview.html", {"guide": guide, "guides": guides, "rows": rows,
                                                          "totals": totals, "now": now})


@permission_required("quotas.manage")
def admin_setting(request, guide_pk, unit_pk):
    guide = get_object_or_404(Guide, pk=guide_pk)
    unit = get_object_or_404(Unit, pk=unit_pk)
    setting = UnitGuideSetting.objects.filter(guide=guide, unit=unit).first()
    initial = {"quota": setting.quota, "deadline": setting.deadline} if setting else {}
    if setting and setting.deadline:
        initial["deadline"] = timezone.localtime(setting.deadline)
    form = UnitSettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            administration.set_unit_setting(unit=unit, guide=guide, quota=d["quota"], deadline=d["deadline"],
                                      reason=d["reason"], actor=request.user, request=request)
            messages.success(request, _("已调整“%(u)s”的名额与截止时间") % {"u": unit.name})
            return redirect(reverse("quotas:overview") + f"?guide={guide.pk}")
        except ListError as e:
            messages.error(request, e.message)
    return render(request, "quotas/admin_setting.html", {
        "guide": guide, "unit": unit, "form": form, "setting": setting,
        "default_quota": quota_for(unit, guide) if not (setting and setting.quota is not None) else None,
        "rule_quota": guide.quota_rules.filter(unit_kind=unit.kind).values_list("quota", flat=True).first(),
        "history": records_for(setting)[:20] if setting else []})


@permission_required("quotas.manage")
@require_POST
@requires_fresh_password
def admin_reopen(request, pk):
    rec_list = get_object_or_404(RecommendationList.objects.select_related("guide", "unit"), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            administration.reopen_list(rec_list=rec_list, actor=request.user, reason=form.cleaned_data["reason"],
                                 request=request)
            messages.success(request, _("已重新开放“%(u)s”的推荐名单") % {"u": rec_list.unit.name})
        except ListError as e:
            messages.error(request, e.message)
    return redirect("quotas:list", pk)


@permission_required("quotas.manage")
def admin_units(request):
    units = (Unit.objects.select_related("parent").annotate(n_staff=Count("staff"))
             .order_by(F("parent_id").asc(nulls_first=True), "region", "name"))
    return render(request, "quotas/admin_units.html", {"units": units})


@permission_required("quotas.manage")
def admin_unit_edit(request, pk=None):
    unit = get_object_or_404(Unit, pk=pk) if pk else None
    form = UnitForm(request.POST or None, request.FILES or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        created = unit is None
        saved = form.save()
        administration.record_unit_change(unit=saved, actor=request.user, created=created, changed=form.changed_data,
                                    request=request)
        messages.success(request, _("推荐单位“%(u)s”已保存") % {"u": saved.name})
        return redirect("quotas:unit_edit", saved.pk)
    staff = _staff_of(unit) if unit else []
    return render(request, "quotas/admin_unit_edit.html", {
        "unit": unit, "form": form, "staff": staff, "staff_form": StaffForm(),
        "history": records_for(unit)[:20] if unit else []})


def _staff_of(unit):
    """The unit's staff accounts, each marked with whether it has a second factor (for the reset button)."""
    staff = list(unit.staff.order_by("username"))
    with_device = users_with_device(staff)
    for s in staff:
        s.has_second_factor = s.pk in with_device
    return staff


@permission_required("quotas.manage")
@require_POST
def admin_staff_create(request, pk):
    unit = get_object_or_404(Unit, pk=pk)
    form = StaffForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        administration.create_staff_account(unit=unit, username=d["username"], full_name=d["full_name"], phone=d["phone"],
                                      email=d["email"], password=d["password"], actor=request.user, request=request)
        messages.success(request, _("已为“%(u)s”新建经办人账号 %(n)s") % {"u": unit.name, "n": d["username"]})
        return redirect("quotas:unit_edit", pk)
    return render(request, "quotas/admin_unit_edit.html", {
        "unit": unit, "form": UnitForm(instance=unit), "staff": _staff_of(unit),
        "staff_form": form, "history": records_for(unit)[:20]}, status=400)


def _unit(request, pk):
    return Unit.objects.filter(pk=pk).first()


@permission_required("quotas.view_seal", fetch=_unit)
def seal_image(request, unit, pk):
    """A unit's seal, for the admin and the unit's own staff (media files are private)."""
    if not unit.seal:
        raise Http404
    return FileResponse(unit.seal.open("rb"), content_type="image/png")

