"""The applicant side's domain operations. Each is one transaction with one audit record.

Views and forms call these functions; nothing else writes Declaration.state,
creates declarations or attachments, or changes an organisation's profile.
Deadlines are checked here, on the server, against the guide's aware datetimes
(entered and shown in Asia/Shanghai), so no page or script can get around them.
"""

import hashlib
import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditRecord
from core.notify import notify
from units.jurisdiction import derived_unit, may_declare_to

from .consortia import lock_participant, member_clash_message, membership_in_guide
from .eligibility import check_eligibility
from .models import Attachment, Declaration, Organisation
from .signals import declaration_state_changed, declaration_submitted, exemption_changed
from .tallies import count as count_in_tallies
from .tallies import key_of, move

S = Declaration.State

# Allowed state changes and the action name each one is recorded under.
TRANSITIONS = {
    ("draft", "submitted"): "declaration.submit",
    ("returned", "submitted"): "declaration.resubmit",
    ("submitted", "draft"): "declaration.withdraw",
    ("submitted", "returned"): "declaration.return",
    ("passed", "returned"): "declaration.return",
    ("submitted", "passed"): "declaration.pass",
    ("passed", "submitted"): "declaration.unpass",
    ("passed", "recommended"): "declaration.recommend",
    ("passed", "not_recommended"): "declaration.not_recommend",
    ("recommended", "passed"): "declaration.reopen",
    ("not_recommended", "passed"): "declaration.reopen",
    ("recommended", "selected"): "declaration.select",
    ("recommended", "not_selected"): "declaration.not_select",
}
MAX_ATTACHMENTS = 30
# Autosave writes every few seconds; one "saved" history line per editing session is enough.
SAVE_RECORD_GAP = timedelta(minutes=30)


class TransitionError(Exception):
    """A change the rules do not allow; the message is for the user."""

    def __init__(self, message, failures=None):
        super().__init__(message)
        self.message = message
        self.failures = failures or []


class StaleVersion(Exception):
    """Another tab or user saved the declaration since this copy was loaded."""


class DuplicateOrganisation(Exception):
    """The credit code was registered by someone else a moment ago."""


def _deadline_text(guide):
    return timezone.localtime(guide.applicant_deadline).strftime("%Y-%m-%d %H:%M")


def _ensure_before_deadline(guide, now, what):
    if guide.applicant_deadline_passed(now):
        raise TransitionError(_("申报已于 %(deadline)s（北京时间）截止，不能再%(what)s") % {
            "deadline": _deadline_text(guide), "what": what})


# --- organisations -------------------------------------------------------------------------

def _store_certificate(org, upload):
    ext = os.path.splitext(upload.name)[1].lower()[:5]
    org.dcmm_certificate.save(f"{uuid.uuid4().hex}{ext}", upload, save=False)


def register_organisation(*, user, org_fields, certificate=None, request=None):
    """Create the organisation and its first user (already holding a hashed password)."""
    try:
        with transaction.atomic():
            org = Organisation(**org_fields)
            if certificate:
                _store_certificate(org, certificate)
            org.save()
            user.role = user.Role.APPLICANT
            user.organisation = org
            user.save()
            record("organisation.register", target=org, actor=user, request=request,
                   summary=_("注册申报单位“%(name)s”") % {"name": org.name},
                   data={"credit_code": org.credit_code, "username": user.username})
    except IntegrityError as exc:
        raise DuplicateOrganisation() from exc
    return org


PROFILE_FIELDS = ["contact_name", "contact_phone", "contact_email", "address", "dcmm_level"]


def update_organisation(org, *, actor, changes, certificate=None, request=None):
    """Change contact details and the DCMM level/certificate; the audit record lists old and new values."""
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=org.pk)
        diff = {}
        for name in PROFILE_FIELDS:
            if name in changes and getattr(locked, name) != changes[name]:
                diff[name] = [getattr(locked, name), changes[name]]
                setattr(locked, name, changes[name])
        old_file = locked.dcmm_certificate.name if locked.dcmm_certificate else ""
        if certificate:
            _store_certificate(locked, certificate)
            diff["dcmm_certificate"] = [old_file, certificate.name]
        if "dcmm_level" in diff and locked.dcmm_level and not certificate:
            raise TransitionError(_("DCMM 等级有变化时，请上传与新等级对应的 DCMM 证书"))
        if not diff:
            return org, False
        locked.save()
        if "dcmm_level" in diff:
            exemption_changed.send(sender=Organisation, organisation_id=locked.pk)
        record("organisation.update", target=locked, actor=actor, request=request,
               summary=_("修改单位信息：%(fields)s") % {"fields": "、".join(
                   str(Organisation._meta.get_field(n).verbose_name) for n in diff)},
               data={"changes": diff})
    if certificate and old_file:
        transaction.on_commit(lambda: locked.dcmm_certificate.storage.delete(old_file))
    org.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return org, True


# --- declarations --------------------------------------------------------------------------

def transition(decl, to_state, *, actor=None, reason="", summary="", data=None, request=None, **fields):
    """Move `decl` to `to_state`, locking its row; the only writer of Declaration.state."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=decl.pk)
        action = TRANSITIONS.get((locked.state, to_state))
        if action is None:
            raise TransitionError(_("当前状态为“%(state)s”，不能执行此操作")
                                  % {"state": locked.get_state_display()})
        old, old_key = locked.state, key_of(locked)
        locked.state = to_state
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record(action, target=locked, actor=actor, reason=reason, request=request,
               summary=summary or _("状态：%(old)s → %(new)s") % {
                   "old": S(old).label, "new": S(to_state).label},
               data={"from": old, "to": to_state, **(data or {})})
        declaration_state_changed.send(sender=Declaration, declaration_id=locked.pk, guide_id=locked.guide_id,
                                       old=old, new=to_state)
        # Last, so the shared counter rows stay locked only until the commit (the deadline's surge of submits).
        move(old_key, key_of(locked))
    decl.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return decl


def _existing_declaration(guide, organisation):
    return Declaration.objects.filter(guide=guide, organisation=organisation).first()


def start_declaration(guide, *, organisation, actor, request=None, now=None):
    """The organisation's declaration under `guide`: the existing one, or a new draft.

    Returns (declaration, created). Two clicks or tabs racing both get the same
    draft: the unique constraint lets one INSERT win and the other reads it.
    """
    now = now or timezone.now()
    existing = _existing_declaration(guide, organisation)
    if existing:
        return existing, False
    if not guide.is_published:
        raise TransitionError(_("该指南尚未发布，不能申报"))
    _ensure_before_deadline(guide, now, _("创建申报"))
    try:
        with transaction.atomic():
            # A member of a consortium under this guide has its one project already (the lock serialises this
            # with a lead adding the organisation as a member: declarations.consortia).
            lock_participant(organisation.pk)
            membership = membership_in_guide(organisation.pk, guide.pk)
            if membership is not None:
                raise TransitionError(member_clash_message(membership))
            decl = Declaration.objects.create(guide=guide, organisation=organisation,
                                              unit=derived_unit(organisation, guide))
            record("declaration.create", target=decl, actor=actor, request=request, summary=_("创建申报草稿"))
            count_in_tallies(decl)
    except IntegrityError:
        return Declaration.objects.get(guide=guide, organisation=organisation), False
    return decl, True


def save_draft(decl, cleaned, *, expected_version, actor=None, extra_directions=None, request=None, now=None):
    """Write form data if nobody saved in between; returns the new version.

    The version check is one UPDATE ... WHERE version = N, so two tabs saving at
    once cannot both win on any database; the loser gets StaleVersion and the
    stored draft stays as the winner left it.
    """
    now = now or timezone.now()
    if not decl.is_editable:
        raise TransitionError(_("该申报当前状态为“%(state)s”，不能修改；如需修改请先撤回")
                              % {"state": decl.get_state_display()})
    _ensure_before_deadline(decl.guide, now, _("修改"))
    unit_id = cleaned.get("unit_id")
    if unit_id is not None and unit_id != decl.unit_id:
        if not may_declare_to(decl.organisation, decl.guide, unit_id):
            raise TransitionError(_("所选推荐单位不是贵单位所在地的推荐单位，也不是已确认贵单位为成员单位的中央企业集团，"
                                    "本页内容未保存；请按页面提示选择推荐单位"))
    with transaction.atomic():
        editable = Declaration.objects.filter(pk=decl.pk, version=expected_version, state__in=[S.DRAFT, S.RETURNED])
        # A change of direction or unit moves the declaration between counters (declarations.tallies): the
        # UPDATE also requires the key as loaded, so the counters move from what the row really held.
        moves = "direction_id" in cleaned or "unit_id" in cleaned
        old_key = key_of(decl)
        if moves:
            updated = editable.filter(state=decl.state, direction_id=decl.direction_id, unit_id=decl.unit_id).update(
                version=F("version") + 1, updated_at=now, **cleaned)
            if not updated:  # `decl` older than the row (or the version is stale): read the row's key, locked
                row = editable.select_for_update().values("guide_id", "state", "direction_id", "unit_id",
                                                          "organisation_id").first()
                if row is not None:
                    old_key = (row["guide_id"], row["state"], row["direction_id"] or 0, row["unit_id"] or 0,
                               row["organisation_id"])
                    updated = editable.update(version=F("version") + 1, updated_at=now, **cleaned)
        else:
            updated = editable.update(version=F("version") + 1, updated_at=now, **cleaned)
        if not updated:
            current = Declaration.objects.filter(pk=decl.pk).values_list("state", flat=True).first()
            if current not in (S.DRAFT, S.RETURNED):
                # Submitted from another tab in the meantime: say so rather than "someone saved".
                raise TransitionError(_("该申报已在其他窗口提交，当前状态为“%(state)s”，本页内容未保存；如需修改请先撤回")
                                      % {"state": S(current).label if current else "—"})
            raise StaleVersion()
        if extra_directions is not None:
            decl.extra_directions.set([d for d in extra_directions if d.pk != cleaned.get("direction_id")])
        recent = AuditRecord.objects.filter(
            target_type__model="declaration", target_type__app_label="declarations", target_id=str(decl.pk),
            created_at__gte=now - SAVE_RECORD_GAP).order_by("-created_at", "-id").first()
        if recent is None or recent.action != "declaration.save" or recent.actor_id != getattr(actor, "pk", None):
            record("declaration.save", target=decl, actor=actor, request=request, summary=_("保存草稿"),
                   data={"version": expected_version + 1})
        if moves:
            new_key = (old_key[0], old_key[1], cleaned.get("direction_id", old_key[2]) or 0,
                       cleaned.get("unit_id", old_key[3]) or 0, old_key[4])
            move(old_key, new_key)
    decl.refresh_from_db()
    return decl.version


def submit_declaration(decl, *, actor, request=None, now=None):
    """Submit (or resubmit after return) before the deadline, when every eligibility rule passes.

    The row is locked while the rules are checked, so a save from another tab
    cannot slip in between the check and the state change.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (Declaration.objects.select_for_update(of=("self",)).select_related("guide", "organisation", "unit")
                  .get(pk=decl.pk))
        if locked.state not in (S.DRAFT, S.RETURNED):
            raise TransitionError(_("当前状态为“%(state)s”，不能提交") % {"state": locked.get_state_display()})
        _ensure_before_deadline(locked.guide, now, _("提交"))
        if not locked.guide.is_published:
            raise TransitionError(_("该指南尚未发布，不能提交"))
        failures = check_eligibility(locked, today=timezone.localdate(now))
        if failures:
            raise TransitionError(_("申报内容尚有 %(n)d 处不符合要求，请按提示修改后再提交（已填写的内容均已保存）")
                                  % {"n": len(failures)}, failures)
        resubmit = locked.state == S.RETURNED
        transition(decl, S.SUBMITTED, actor=actor, request=request, submitted_at=now, return_reason="",
                   summary=_("修改后重新提交申报") if resubmit else _("提交申报"))
        transaction.on_commit(lambda: _after_submit(decl.pk))
        transaction.on_commit(lambda: _send_receipt(decl.pk, resubmit))
    return decl


def _send_receipt(declaration_id, resubmit=False):
    """The submission receipt (提交回执), in the inbox and by e-mail, to every active user of the organisation."""
    from django.urls import reverse

    decl = Declaration.objects.select_related("guide", "organisation", "unit").get(pk=declaration_id)
    title = _("申报已重新提交：%(project)s") if resubmit else _("申报已提交：%(project)s")
    body = _("项目“%(project)s”已于 %(time)s（北京时间）提交至“%(guide)s”，推荐单位为%(unit)s，"
             "请等待形式审查。可在系统中查看申报状态并打印申报书。") % {
        "project": decl, "time": timezone.localtime(decl.submitted_at).strftime("%Y-%m-%d %H:%M"),
        "guide": decl.guide.title, "unit": decl.unit or "—"}
    for user in decl.organisation.users.filter(is_active=True):
        notify(user, kind="submitted", title=title % {"project": decl}, body=body,
               url=reverse("declarations:detail", args=[decl.pk]))


def _after_submit(declaration_id):
    declaration_submitted.send(sender=Declaration, declaration_id=declaration_id)


def withdraw_declaration(decl, *, actor, request=None, now=None):
    """Take a submitted declaration back to draft, before the deadline and before the unit acted on it."""
    now = now or timezone.now()
    if decl.state != S.SUBMITTED:
        raise TransitionError(_("只有“已提交，待形式审查”的申报可以撤回，当前状态为“%(state)s”")
                              % {"state": decl.get_state_display()})
    _ensure_before_deadline(decl.guide, now, _("撤回"))
    return transition(decl, S.DRAFT, actor=actor, request=request, summary=_("撤回申报，恢复为草稿"))


def return_for_revision(decl, *, actor, reason, request=None):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("退回修改时请填写退回理由，申报单位将看到该理由"))
    return transition(decl, S.RETURNED, actor=actor, reason=reason, request=request,
                      return_reason=reason, summary=_("退回修改"))


def pass_formal_check(decl, *, actor, request=None):
    return transition(decl, S.PASSED, actor=actor, request=request, summary=_("形式审查通过"))


# --- attachments ---------------------------------------------------------------------------

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _lock_editable(decl, now, what):
    locked = Declaration.objects.select_for_update().select_related("guide").get(pk=decl.pk)
    if not locked.is_editable:
        raise TransitionError(_("该申报当前状态为“%(state)s”，不能%(what)s；如需修改请先撤回")
                              % {"state": locked.get_state_display(), "what": what})
    _ensure_before_deadline(locked.guide, now, what)
    return locked


def add_attachment(decl, *, upload, mime, label="", kind=None, actor, request=None, now=None):
    """Store an upload (already checked by content) under a random name; keep its original name for downloads.

    `kind` is one of the guide's AttachmentKinds (review reads whether blind reviewers may see it).
    """
    if kind is not None and kind.guide_id != decl.guide_id:
        raise TransitionError(_("请选择本指南规定的附件类型"))
    if kind is not None and kind.allowed_types and mime not in kind.allowed_types:
        raise TransitionError(_("“%(kind)s”只接受 %(types)s 文件") % {
            "kind": kind.name, "types": kind.allowed_types_display()})
    now = now or timezone.now()
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        locked = _lock_editable(decl, now, _("上传附件"))
        if locked.attachments.count() >= MAX_ATTACHMENTS:
            raise TransitionError(_("每个申报最多上传 %(n)d 个附件，请先删除不需要的附件") % {"n": MAX_ATTACHMENTS})
        att = Attachment(declaration=locked, original_name=os.path.basename(upload.name)[:200], kind=kind,
                         label=label, size=upload.size, content_type=mime, sha256=digest.hexdigest())
        att.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[mime]}", upload, save=False)
        try:
            att.save()
            record("attachment.upload", target=locked, actor=actor, request=request,
                   summary=_("上传附件“%(name)s”") % {"name": att.original_name},
                   data={"attachment": att.pk, "sha256": att.sha256, "size": att.size,
                         "kind": kind.code if kind is not None else None})
        except Exception:
            att.file.delete(save=False)
            raise
    return att


def remove_attachment(decl, attachment, *, actor, request=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable(decl, now, _("删除附件"))
        name, stored = attachment.original_name, attachment.file.name
        Attachment.objects.filter(pk=attachment.pk, declaration=locked).delete()
        record("attachment.delete", target=locked, actor=actor, request=request,
               summary=_("删除附件“%(name)s”") % {"name": name}, data={"attachment": attachment.pk})
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored))


def max_upload_mb():
    return settings.MAX_ATTACHMENT_BYTES // 1048576
