"""The ministry's guide management pages (/manage/guides/). Thin: forms check, guide_admin acts."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import records_for
from core.decorators import permission_required
from core.security import requires_fresh_password

from . import direction_import, guide_admin
from .eligibility import describe_rule
from .guide_admin import GuideEditError
from .manage_forms import (CategoryForm, CopyGuideForm, DeadlineExtensionForm, DirectionForm, GuideForm, ImportForm,
                           RuleForm)
from .models import Declaration, Guide

IMPORT_SESSION_KEY = "guide_import:%s"


def _guide(pk):
    return get_object_or_404(Guide, pk=pk)


@permission_required("declarations.manage_guides")
def guide_list(request):
    guides = Guide.objects.select_related("copied_from").annotate(
        n_directions=Count("directions", distinct=True),
        n_submitted=Count("declarations", filter=~Q(declarations__state=Declaration.State.DRAFT), distinct=True),
    ).order_by("-year", "-id")
    return render(request, "declarations/manage/guide_list.html", {"guides": guides})


@permission_required("declarations.manage_guides")
def guide_copy(request):
    form = CopyGuideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            copy = guide_admin.copy_guide(source=d["source"], year=d["year"], title=d["title"], actor=request.user,
                                          request=request)
        except GuideEditError as e:
            form.add_error("title", e.message)
        else:
            messages.success(request, _("已生成新指南（未发布），请逐项核对后发布。"))
            return redirect("guides:detail", copy.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "title": _("复制往年指南"), "back": "guides:list"})


@permission_required("declarations.manage_guides")
def guide_detail(request, pk):
    guide = _guide(pk)
    categories = guide.categories.all()
    directions = guide.directions.annotate(
        n_used=Count("declarations", distinct=True)).order_by("order", "id")
    rules = list(guide.rules.select_related("direction"))
    for rule in rules:
        rule.description = describe_rule(rule)
    checklist = [] if guide.is_published else guide_admin.publish_checklist(guide)
    by_category = {c.pk: [] for c in categories}
    for d in directions:
        by_category.setdefault(d.category_id, []).append(d)
    return render(request, "declarations/manage/guide_detail.html", {
        "guide": guide,
        "categories": [(c, by_category.get(c.pk, [])) for c in categories],
        "rules": rules,
        "checklist": checklist, "checklist_failed": any(not item.ok for item in checklist),
        "attachment_kinds": guide.attachment_kinds.prefetch_related("directions"),
        "history": records_for(guide)[:50],
    })


@permission_required("declarations.manage_guides")
def guide_edit(request, pk):
    guide = _guide(pk)
    form = GuideForm(request.POST or None, instance=Guide.objects.get(pk=guide.pk))
    if request.method == "POST" and form.is_valid():
        try:
            guide_admin.update_guide(guide=guide, changes=form.changes(), actor=request.user, request=request)
        except GuideEditError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("指南信息已保存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "guide": guide, "title": _("修改指南基本信息")})


@permission_required("declarations.manage_guides")
def guide_extend(request, pk):
    guide = _guide(pk)
    form = DeadlineExtensionForm(request.POST or None, guide=guide)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            guide_admin.extend_deadline(guide=guide, actor=request.user, reason=d["reason"], request=request,
                                        applicant_deadline=d.get("applicant_deadline"),
                                        unit_deadline=d.get("unit_deadline"))
        except GuideEditError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("截止时间已延期，延期记录已留存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "guide": guide, "title": _("截止时间延期"),
        "intro": _("延期只能推后截止时间；理由将记入审计记录。单个推荐单位的延期请在推荐单位管理中设置。")})


@permission_required("declarations.manage_guides")
@require_POST
@requires_fresh_password
def guide_publish(request, pk):
    guide = _guide(pk)
    try:
        guide_admin.publish_guide(guide=guide, actor=request.user, request=request)
    except GuideEditError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("指南已发布，申报单位现在可以看到并申报"))
    return redirect("guides:detail", guide.pk)


@permission_required("declarations.manage_guides")
def guide_preview(request, pk):
    guide = _guide(pk)
    return render(request, "declarations/manage/preview.html", {
        "guide": guide, "categories": guide.categories.prefetch_related("directions"),
        "rules": guide.rules.filter(is_active=True).select_related("direction")})


# --- categories --------------------------------------------------------------------------------

@permission_required("declarations.manage_guides")
def category_form(request, pk, cpk=None):
    guide = _guide(pk)
    category = get_object_or_404(guide.categories, pk=cpk) if cpk else None
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            guide_admin.save_category(guide=guide, category=category, code=d["code"], name=d["name"],
                                      order=d.get("order"), actor=request.user, request=request)
        except GuideEditError as e:
            form.add_error("code", e.message)
        else:
            messages.success(request, _("领域已保存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "guide": guide, "title": _("修改领域") if category else _("新增领域")})


@permission_required("declarations.manage_guides")
@require_POST
def category_delete(request, pk, cpk):
    guide = _guide(pk)
    category = get_object_or_404(guide.categories, pk=cpk)
    return _delete(request, guide, lambda: guide_admin.delete_category(
        category=category, actor=request.user, request=request), _("领域已删除"))


def _delete(request, guide, delete, done):
    """Run one delete of the guide's parts; a refusal (a part still in use) is shown with its reason."""
    try:
        delete()
    except GuideEditError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect("guides:detail", guide.pk)


# --- directions --------------------------------------------------------------------------------

@permission_required("declarations.manage_guides")
def direction_form(request, pk, dpk=None):
    guide = _guide(pk)
    direction = get_object_or_404(guide.directions, pk=dpk) if dpk else None
    form = DirectionForm(request.POST or None, instance=direction, guide=guide)
    if request.method == "POST" and form.is_valid():
        try:
            guide_admin.save_direction(guide=guide, direction=direction and guide.directions.get(pk=direction.pk),
                                       fields=form.direction_fields(), actor=request.user, request=request)
        except GuideEditError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("方向已保存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "guide": guide, "title": _("修改方向") if direction else _("新增方向")})


@permission_required("declarations.manage_guides")
@require_POST
def direction_delete(request, pk, dpk):
    guide = _guide(pk)
    direction = get_object_or_404(guide.directions, pk=dpk)
    return _delete(request, guide, lambda: guide_admin.delete_direction(
        direction=direction, actor=request.user, request=request), _("方向已删除"))


# --- rules -------------------------------------------------------------------------------------

@permission_required("declarations.manage_guides")
def rule_form(request, pk, rpk=None):
    guide = _guide(pk)
    rule = get_object_or_404(guide.rules, pk=rpk) if rpk else None
    form = RuleForm(request.POST or None, guide=guide, rule=rule)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            guide_admin.save_rule(guide=guide, rule=rule, kind=d["kind"], params=d["params"],
                                  message=d.get("message", "").strip(), direction=d.get("direction"),
                                  is_active=d.get("is_active", False), actor=request.user, request=request)
        except GuideEditError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("申报条件已保存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/rule_form.html", {
        "form": form, "guide": guide, "title": _("修改申报条件") if rule else _("新增申报条件")})


@permission_required("declarations.manage_guides")
@require_POST
def rule_delete(request, pk, rpk):
    guide = _guide(pk)
    rule = get_object_or_404(guide.rules, pk=rpk)
    return _delete(request, guide, lambda: guide_admin.delete_rule(
        rule=rule, actor=request.user, request=request), _("申报条件已删除"))


# --- spreadsheet import ------------------------------------------------------------------------

@permission_required("declarations.manage_guides")
def import_directions(request, pk):
    """Upload → every row checked and shown; nothing saved until the admin confirms."""
    guide = _guide(pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    rows, errors = [], []
    if request.method == "POST" and form.is_valid():
        rows, errors = direction_import.parse_directions_workbook(form.cleaned_data["file"])
        existing = set(guide.directions.values_list("code", flat=True))
        for row in rows:
            row["exists"] = row["code"] in existing
        if errors:
            request.session.pop(IMPORT_SESSION_KEY % guide.pk, None)
        else:
            request.session[IMPORT_SESSION_KEY % guide.pk] = rows
    return render(request, "declarations/manage/import.html", {
        "form": form, "guide": guide, "rows": rows, "errors": errors,
        "file_errors": [m for line, m in errors if line == 0]})


@permission_required("declarations.manage_guides")
@require_POST
def import_confirm(request, pk):
    guide = _guide(pk)
    rows = request.session.pop(IMPORT_SESSION_KEY % guide.pk, None)
    if not rows:
        messages.error(request, _("没有待导入的数据，请重新上传表格"))
        return redirect("guides:import", guide.pk)
    created, updated = direction_import.import_directions(guide=guide, rows=rows, actor=request.user, request=request)
    messages.success(request, _("导入完成：新增 %(c)d 个方向，更新 %(u)d 个方向") % {"c": created, "u": updated})
    return redirect("guides:detail", guide.pk)


@permission_required("declarations.manage_guides")
def import_template(request):
    response = HttpResponse(direction_import.template_workbook(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%96%B9%E5%90%91%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    return response
