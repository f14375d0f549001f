"""Applicant pages. Each view says at the top who may call it; the work is done in services."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import records_for
from core.decorators import permission_required
from core.forms import error_messages
from core.notify import notify

from .attachment_forms import AttachmentForm
from .attachment_kinds import attachment_checklist, guide_kinds
from .consortium_forms import ConsortiumMemberForm
from .declaration_forms import DeclarationForm
from .eligibility import check_eligibility, describe_rule
from .forms import OrganisationForm, RegistrationForm
from .models import Attachment, Declaration, Guide, Organisation
from .queries import (
    declaration_form_queryset,
    declaration_page_queryset,
    declarations_of_applicant,
    finish_page_declaration,
    own_declaration,
    with_sent_up,
)
from .services import (
    DuplicateOrganisation,
    StaleVersion,
    TransitionError,
    add_attachment,
    max_upload_mb,
    register_organisation,
    remove_attachment,
    save_draft,
    start_declaration,
    submit_declaration,
    update_organisation,
    withdraw_declaration,
)


def register(request):
    """Anyone not signed in: create an applicant organisation and its first user."""
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.user()
            org = register_organisation(user=user, org_fields=form.organisation_fields(),
                                        certificate=form.cleaned_data.get("dcmm_certificate"), request=request)
        except DuplicateOrganisation:
            form.add_error("credit_code", _("该统一社会信用代码或登录名刚刚已被注册，请直接登录或联系本单位已注册的用户"))
        else:
            _notify(user, "registered", _("注册成功"),
                    _("贵单位“%(name)s”已完成注册，可在申报期内填报项目。") % {"name": org.name})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用。"))
            return redirect("declarations:dashboard")
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("注册信息有 %(n)d 处需要修改，请按各项下方的提示改正") % {"n": len(form.errors)})
    return render(request, "declarations/register.html", {"form": form, "max_mb": max_upload_mb()})


def _notify(user, kind, title, body, url=""):
    notify(user, kind=kind, title=title, body=body, url=url)


@permission_required("declarations.declare")
def dashboard(request):
    """The applicant's own organisation: open guides with the time left, and its declarations."""
    now = timezone.now()
    org = request.user.organisation
    declarations = list(
        with_sent_up(declarations_of_applicant(request.user)).select_related("guide", "direction", "unit")
        .order_by("-guide__year", "-id"))
    by_guide = {d.guide_id: d for d in declarations}
    open_guides = [
        {"guide": g, "declaration": by_guide.get(g.pk)}
        for g in Guide.objects.open_for_applicants(now).order_by("applicant_deadline")
    ]
    return render(request, "declarations/dashboard.html", {
        "org": org, "declarations": declarations, "open_guides": open_guides, "now": now})


@permission_required("declarations.declare")
def guide_detail(request, pk):
    """Any applicant: a published guide, its directions with their requirement texts and its rules."""
    guide = get_object_or_404(Guide.objects.published(), pk=pk)
    categories = list(guide.categories.prefetch_related("directions"))
    rules = list(guide.rules.filter(is_active=True).select_related("direction"))
    general = [(describe_rule(r), r.message) for r in rules if r.direction_id is None]
    by_direction = {}
    for r in rules:
        if r.direction_id:
            by_direction.setdefault(r.direction_id, []).append((describe_rule(r), r.message))
    for c in categories:
        for d in c.directions.all():
            d.rule_texts = by_direction.get(d.pk, [])
    existing = declarations_of_applicant(request.user).filter(guide=guide).first()
    return render(request, "declarations/guide_detail.html", {
        "guide": guide, "categories": categories, "existing": existing, "general_rules": general,
        "attachment_kinds": guide.attachment_kinds.prefetch_related("directions")})


@permission_required("declarations.declare")
@require_POST
def start_declaration_view(request, guide_pk):
    """Any applicant, before the deadline: open its draft under the guide, creating it once."""
    guide = get_object_or_404(Guide.objects.published(), pk=guide_pk)
    try:
        decl, created = start_declaration(guide, organisation=request.user.organisation, actor=request.user,
                                          request=request)
    except TransitionError as e:
        messages.error(request, e.message)
        return redirect("declarations:guide", guide.pk)
    if not created and not decl.is_editable:
        return redirect("declarations:detail", decl.pk)
    return redirect("declarations:edit", decl.pk)


def _own(request, pk, **_url):
    """The applicant's own declaration with what its pages show (another organisation's: 404)."""
    return finish_page_declaration(own_declaration(request.user, pk, declaration_page_queryset()))


def _own_for_form(request, pk):
    return own_declaration(request.user, pk, declaration_form_queryset())


def _own_for_autosave(request, pk):
    # Called every few seconds by every applicant before a deadline: load only what the form needs.
    return own_declaration(request.user, pk, Declaration.objects.select_related("guide", "organisation"))


@permission_required("declarations.declare")
@permission_required("declarations.change_declaration", fetch=_own_for_form)
def edit(request, decl, pk):
    """The owning applicant, while the declaration is a draft or returned and the deadline has not passed."""
    if not decl.is_editable:
        return redirect("declarations:detail", decl.pk)
    if decl.guide.applicant_deadline_passed():
        messages.error(request, _("申报已于 %(d)s 截止，不能再修改或提交") % {
            "d": timezone.localtime(decl.guide.applicant_deadline).strftime("%Y-%m-%d %H:%M")})
        return redirect("declarations:detail", decl.pk)
    form = DeclarationForm(request.POST or None, declaration=decl)
    failures = []
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("部分内容有误，请按提示修改（本页内容尚未保存，请勿关闭页面）"))
            return render(request, "declarations/edit.html", _edit_context(decl, form, failures), status=400)
        try:
            save_draft(decl, form.draft_values(), expected_version=form.cleaned_data["version"],
                       actor=request.user, extra_directions=form.cleaned_data.get("extra_directions"),
                       request=request)
        except StaleVersion:
            messages.error(request, _("该申报已在其他窗口或由其他用户修改，为避免覆盖，本页内容没有保存。"
                                      "请复制需要保留的内容，刷新页面后再粘贴保存。"))
            return render(request, "declarations/edit.html", _edit_context(decl, form, failures), status=409)
        except TransitionError as e:
            messages.error(request, e.message)
            return redirect("declarations:detail", decl.pk)
        if "submit" in request.POST:
            try:
                submit_declaration(decl, actor=request.user, request=request)
            except TransitionError as e:
                messages.error(request, e.message)
                decl = own_declaration(request.user, pk, declaration_form_queryset())
                # The content was saved just now: show it again with the new version and the failures.
                data = request.POST.copy()
                data["version"] = decl.version
                form = DeclarationForm(data, declaration=decl)
                form.is_valid()
                failures = e.failures
                for f in failures:
                    if f.field != "attachments":  # shown next to the attachments section instead
                        form.add_error(f.field if f.field in form.fields else None, f.message)
                return render(request, "declarations/edit.html", _edit_context(decl, form, failures), status=400)
            messages.success(request, _("申报已提交，请等待推荐单位形式审查。截止前如需修改可撤回。"))
            return redirect("declarations:detail", decl.pk)
        messages.success(request, _("草稿已保存"))
        return redirect("declarations:edit", decl.pk)
    return render(request, "declarations/edit.html", _edit_context(decl, form, failures))


def _edit_context(decl, form, failures):
    # Only a guide that admits consortia reads the member list (one query); others show no such section.
    members = decl.consortium_members
    kinds = guide_kinds(decl.guide)  # once, for the checklist and the upload form's kind select
    return {"decl": decl, "form": form, "failures": failures,
            "attachment_form": AttachmentForm(guide=decl.guide, kinds=kinds),
            "members": members, "member_form": ConsortiumMemberForm(),
            "checklist": attachment_checklist(decl, form.saved_directions(), kinds),
            "guide": decl.guide, "max_mb": max_upload_mb(),
            "sections": [(title, [form[f] for f in names if f in form.fields])
                         for title, names in DeclarationForm.SECTIONS]}


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.change_declaration", fetch=_own_for_autosave)
def autosave(request, decl, pk):
    """The owning applicant: save a draft while typing. JSON: the new version, 400 on bad input, 409 on a conflict."""
    form = DeclarationForm(request.POST, declaration=decl)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return JsonResponse({"ok": False, "errors": errors, "message": _("部分内容有误，暂未保存：%(e)s") % {
            "e": "；".join(m for v in errors.values() for m in v)}}, status=400)
    try:
        version = save_draft(decl, form.draft_values(), expected_version=form.cleaned_data["version"],
                             actor=request.user, extra_directions=form.cleaned_data.get("extra_directions"),
                             request=request)
    except StaleVersion:
        return JsonResponse({"ok": False, "conflict": True, "message": _(
            "该申报已在其他窗口保存过，为避免覆盖，本页未保存。请复制您的修改后刷新页面。")}, status=409)
    except TransitionError as e:
        return JsonResponse({"ok": False, "message": e.message}, status=400)
    return JsonResponse({"ok": True, "version": version,
                         "saved_at": timezone.localtime().strftime("%H:%M:%S")})


@permission_required("declarations.declare")
@permission_required("declarations.change_declaration", fetch=_own)
def detail(request, decl, pk):
    """The owning applicant: the declaration, what is still missing, and its history."""
    failures = check_eligibility(decl) if decl.is_editable else []
    return render(request, "declarations/detail.html", {
        "decl": decl, "history": records_for(decl)[:100], "failures": failures,
        "can_withdraw": request.user.has_perm("declarations.withdraw_declaration", decl),
        "can_edit": request.user.has_perm("declarations.edit_declaration", decl)})


@permission_required("declarations.declare")
@permission_required("declarations.change_declaration", fetch=_own)
def withdraw(request, decl, pk):
    """The owning applicant, before the deadline and before the unit checked it. GET asks for confirmation."""
    if request.method != "POST":
        if not request.user.has_perm("declarations.withdraw_declaration", decl):
            messages.error(request, _("该申报当前不能撤回"))
            return redirect("declarations:detail", decl.pk)
        return render(request, "declarations/withdraw_confirm.html", {"decl": decl})
    try:
        withdraw_declaration(decl, actor=request.user, request=request)
        messages.success(request, _("申报已撤回，恢复为草稿，可修改后重新提交。"))
    except TransitionError as e:
        messages.error(request, e.message)
    return redirect("declarations:detail", decl.pk)


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.change_declaration", fetch=_own)
def upload_attachment(request, decl, pk):
    """The owning applicant, while the declaration is editable and before the deadline."""
    form = AttachmentForm(request.POST, request.FILES, guide=decl.guide)
    if form.is_valid():
        try:
            att = add_attachment(decl, upload=form.cleaned_data["file"], mime=form.mime,
                                 label=form.cleaned_data["label"], kind=form.cleaned_data["kind"],
                                 actor=request.user, request=request)
        except TransitionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("附件“%(name)s”已上传") % {"name": att.original_name})
    else:
        error_messages(request, form)
    return redirect("declarations:edit" if decl.is_editable else "declarations:detail", decl.pk)


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.change_declaration", fetch=_own)
def delete_attachment(request, decl, pk, att_pk):
    """The owning applicant, while the declaration is editable and before the deadline."""
    att = get_object_or_404(Attachment, declaration=decl, pk=att_pk)
    try:
        remove_attachment(decl, att, actor=request.user, request=request)
        messages.success(request, _("附件“%(name)s”已删除") % {"name": att.original_name})
    except TransitionError as e:
        messages.error(request, e.message)
    return redirect("declarations:edit" if decl.is_editable else "declarations:detail", decl.pk)


def _file_response(field, filename, content_type=None):
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("文件不存在或已被删除")) from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def _attachment(request, att_pk):
    return Attachment.objects.select_related("declaration").filter(pk=att_pk).first()


@permission_required("declarations.download_attachment", fetch=_attachment)
def download_attachment(request, att, att_pk):
    """Any role that may see the declaration and its identity (declarations.access)."""
    return _file_response(att.file, att.original_name, att.content_type)


@permission_required("declarations.declare")
def organisation(request):
    """The applicant's own organisation: identity read-only, contacts and DCMM level editable."""
    org = Organisation.objects.get(pk=request.user.organisation_id)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=org)
    if request.method == "POST":
        if form.is_valid():
            try:
                _org, changed = update_organisation(
                    Organisation.objects.get(pk=org.pk), actor=request.user, changes=form.changes(),
                    certificate=form.cleaned_data.get("dcmm_certificate"), request=request)
            except TransitionError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("单位信息已保存") if changed else _("没有需要保存的修改"))
                return redirect("declarations:organisation")
        else:
            messages.error(request, _("单位信息有 %(n)d 处需要修改，请按提示改正") % {"n": len(form.errors)})
    org.refresh_from_db()
    return render(request, "declarations/organisation.html", {
        "org": org, "form": form, "history": records_for(org)[:50], "max_mb": max_upload_mb()},
        status=400 if request.method == "POST" else 200)


@permission_required("declarations.declare")
def dcmm_certificate(request):
    """The applicant's own DCMM certificate."""
    org = Organisation.objects.get(pk=request.user.organisation_id)
    if not org.dcmm_certificate:
        raise Http404
    ext = org.dcmm_certificate.name.rsplit(".", 1)[-1].lower()
    return _file_response(org.dcmm_certificate, _("DCMM证书-%(name)s.%(ext)s") % {"name": org.name, "ext": ext})
