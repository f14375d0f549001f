import hashlib
import os
import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import record, records_for
from core.decorators import applicant_required

from .eligibility import check_eligibility
from .forms import AttachmentForm, DeclarationForm, RegistrationForm
from .models import Attachment, Declaration, Guide, Organisation
from .queries import declaration_page_queryset, declarations_of_applicant
from .services import StaleVersion, TransitionError, save_draft, submit_declaration, withdraw_declaration


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with transaction.atomic():
            org = Organisation.objects.create(
                name=d["org_name"], credit_code=d["credit_code"], kind=d["kind"],
                is_industrial=d["is_industrial"], region=d["region"], dcmm_level=d["dcmm_level"],
                contact_name=d["contact_name"], contact_phone=d["contact_phone"], contact_email=d["email"],
            )
            if d.get("dcmm_certificate"):
                f = d["dcmm_certificate"]
                org.dcmm_certificate.save(f"{uuid.uuid4().hex}{os.path.splitext(f.name)[1].lower()[:5]}", f)
            user = form.save(commit=False)
            user.email = d["email"]
            user.full_name = d["contact_name"]
            user.phone = d["contact_phone"]
            user.role = user.Role.APPLICANT
            user.organisation = org
            user.save()
            record("organisation.register", target=org, actor=user, request=request,
                   summary=_("注册申报单位“%(name)s”") % {"name": org.name})
        _notify(user, "registered", _("注册成功"),
                _("贵单位“%(name)s”已完成注册，可在申报期内填报项目。") % {"name": org.name})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("注册成功，欢迎使用。"))
        return redirect("declarations:dashboard")
    return render(request, "declarations/register.html", {"form": form})


def _notify(user, kind, title, body, url=""):
    try:
        from core.notify import notify
    except ImportError:
        return
    notify(user, kind=kind, title=title, body=body, url=url)


@applicant_required
def dashboard(request):
    now = timezone.now()
    org = request.user.organisation
    declarations = list(
        declarations_of_applicant(request.user).select_related("guide", "direction", "unit").order_by("-guide__year"))
    declared_guides = {d.guide_id for d in declarations}
    open_guides = [
        {"guide": g, "declared": g.pk in declared_guides, "time_left": g.applicant_deadline - now}
        for g in Guide.objects.open_for_applicants(now).order_by("applicant_deadline")
    ]
    return render(request, "declarations/dashboard.html", {
        "org": org, "declarations": declarations, "open_guides": open_guides})


@applicant_required
def guide_detail(request, pk):
    guide = get_object_or_404(Guide.objects.published(), pk=pk)
    categories = guide.categories.prefetch_related("directions")
    existing = declarations_of_applicant(request.user).filter(guide=guide).first()
    return render(request, "declarations/guide_detail.html", {
        "guide": guide, "categories": categories, "existing": existing,
        "rules": guide.rules.filter(is_active=True).select_related("direction")})


@applicant_required
@require_POST
def start_declaration(request, guide_pk):
    guide = get_object_or_404(Guide.objects.published(), pk=guide_pk)
    existing = declarations_of_applicant(request.user).filter(guide=guide).first()
    if existing:
        return redirect("declarations:edit", existing.pk)
    if guide.applicant_deadline_passed():
        messages.error(request, _("该指南的申报已截止"))
        return redirect("declarations:dashboard")
    try:
        with transaction.atomic():
            decl = Declaration.objects.create(guide=guide, organisation=request.user.organisation)
            record("declaration.create", target=decl, actor=request.user, request=request,
                   summary=_("创建申报草稿"))
    except IntegrityError:
        # A second click or tab won the race: the database allows only one per guide.
        decl = declarations_of_applicant(request.user).get(guide=guide)
    return redirect("declarations:edit", decl.pk)


def _get_own(request, pk):
    return get_object_or_404(declaration_page_queryset().filter(organisation_id=request.user.organisation_id), pk=pk)


@applicant_required
def edit(request, pk):
    decl = _get_own(request, pk)
    if not decl.is_editable:
        return redirect("declarations:detail", decl.pk)
    form = DeclarationForm(request.POST or None, declaration=decl)
    failures = []
    if request.method == "POST":
        if form.is_valid():
            try:
                save_draft(decl, form.draft_values(), expected_version=form.cleaned_data["version"],
                           actor=request.user, extra_directions=form.cleaned_data.get("extra_directions"))
            except StaleVersion:
                messages.error(request, _("该申报已在其他窗口或由其他用户修改。您的内容仍保留在本页，"
                                          "请复制需要保留的内容后刷新页面再保存。"))
                return render(request, "declarations/edit.html", _edit_context(decl, form, failures), status=409)
            except TransitionError as e:
                messages.error(request, e.message)
                return redirect("declarations:detail", decl.pk)
            if "submit" in request.POST:
                try:
                    submit_declaration(decl, actor=request.user, request=request)
                except TransitionError as e:
                    messages.error(request, e.message)
                    failures = e.failures
                    form = DeclarationForm(declaration=decl)
                    for f in failures:
                        field = f.field if f.field in form.fields else None
                        form.add_error(field, f.message)
                    return render(request, "declarations/edit.html", _edit_context(decl, form, failures))
                messages.success(request, _("申报已提交，请等待推荐单位形式审查。"))
                return redirect("declarations:detail", decl.pk)
            messages.success(request, _("草稿已保存"))
            return redirect("declarations:edit", decl.pk)
        messages.error(request, _("部分内容有误，请按提示修改（已填写的内容未丢失）"))
    return render(request, "declarations/edit.html", _edit_context(decl, form, failures))


def _edit_context(decl, form, failures):
    return {"decl": decl, "form": form, "failures": failures, "attachment_form": AttachmentForm(),
            "guide": decl.guide, "sections": [(title, [form[f] for f in names if f in form.fields])
                                              for title, names in DeclarationForm.SECTIONS]}


@applicant_required
@require_POST
def autosave(request, pk):
    """Saves a draft while the applicant types. Answers JSON: the new version, or 409 on a conflict."""
    decl = _get_own(request, pk)
    form = DeclarationForm(request.POST, declaration=decl)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}},
                            status=400)
    try:
        version = save_draft(decl, form.draft_values(), expected_version=form.cleaned_data["version"],
                             actor=request.user, extra_directions=form.cleaned_data.get("extra_directions"))
    except StaleVersion:
        return JsonResponse({"ok": False, "conflict": True, "message": _(
            "该申报已在其他窗口保存过，为避免覆盖，本页未保存。请复制您的修改后刷新页面。")}, status=409)
    except TransitionError as e:
        return JsonResponse({"ok": False, "message": e.message}, status=400)
    return JsonResponse({"ok": True, "version": version,
                         "saved_at": timezone.localtime().strftime("%H:%M:%S")})


@applicant_required
def detail(request, pk):
    decl = _get_own(request, pk)
    failures = check_eligibility(decl) if decl.is_editable else []
    return render(request, "declarations/detail.html", {
        "decl": decl, "history": records_for(decl)[:100], "failures": failures})


@applicant_required
@require_POST
def withdraw(request, pk):
    decl = _get_own(request, pk)
    try:
        withdraw_declaration(decl, actor=request.user, request=request)
        messages.success(request, _("申报已撤回，恢复为草稿，可修改后重新提交。"))
    except TransitionError as e:
        messages.error(request, e.message)
    return redirect("declarations:detail", decl.pk)


@applicant_required
@require_POST
def upload_attachment(request, pk):
    decl = _get_own(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not decl.is_editable:
        messages.error(request, _("该申报已提交，不能再上传附件；如需修改请先撤回"))
    elif decl.guide.applicant_deadline_passed():
        messages.error(request, _("申报已截止，不能上传附件"))
    elif form.is_valid():
        f = form.cleaned_data["file"]
        digest = hashlib.sha256()
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[form.mime]
        att = Attachment(declaration=decl, original_name=os.path.basename(f.name)[:200],
                         label=form.cleaned_data["label"], size=f.size, content_type=form.mime,
                         sha256=digest.hexdigest())
        att.file.save(f"{uuid.uuid4().hex}{ext}", f, save=False)  # safe stored name, never the user's
        att.save()
        record("attachment.upload", target=decl, actor=request.user, request=request,
               summary=_("上传附件“%(name)s”") % {"name": att.original_name})
        messages.success(request, _("附件“%(name)s”已上传") % {"name": att.original_name})
    else:
        for err in form.errors.get("file", []):
            messages.error(request, err)
    return redirect("declarations:edit" if decl.is_editable else "declarations:detail", decl.pk)


@applicant_required
@require_POST
def delete_attachment(request, pk, att_pk):
    decl = _get_own(request, pk)
    att = get_object_or_404(decl.attachments, pk=att_pk)
    if not decl.is_editable:
        messages.error(request, _("该申报已提交，不能删除附件"))
    else:
        att.file.delete(save=False)
        att.delete()
        record("attachment.delete", target=decl, actor=request.user, request=request,
               summary=_("删除附件“%(name)s”") % {"name": att.original_name})
        messages.success(request, _("附件已删除"))
    return redirect("declarations:edit", decl.pk)


def download_attachment(request, att_pk):
    """Any role that may see the declaration may download its attachments (checked in one place)."""
    att = get_object_or_404(Attachment.objects.select_related("declaration"), pk=att_pk)
    from .access import can_view_declaration

    if not can_view_declaration(request.user, att.declaration):
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name,
                        content_type=att.content_type)
