"""State changes of a declaration. Each is one transaction with one audit record.

Views and forms call these functions; nothing else writes Declaration.state.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record

from .eligibility import check_eligibility
from .models import Declaration

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


class TransitionError(Exception):
    """A state change the rules do not allow; the message is for the user."""

    def __init__(self, message, failures=None):
        super().__init__(message)
        self.message = message
        self.failures = failures or []


class StaleVersion(Exception):
    """Another tab or user saved the declaration since this copy was loaded."""


def transition(decl, to_state, *, actor=None, reason="", summary="", data=None, request=None, **fields):
    """Move `decl` to `to_state`, locking its row; the only writer of Declaration.state."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=decl.pk)
        action = TRANSITIONS.get((locked.state, to_state))
        if action is None:
            raise TransitionError(_("当前状态为“%(state)s”，不能执行此操作")
                                  % {"state": locked.get_state_display()})
        old = locked.state
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
    decl.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return decl


def save_draft(decl, cleaned, *, expected_version, actor=None, extra_directions=None):
    """Write form data if nobody saved in between; returns the new version.

    The version check is one UPDATE ... WHERE version = N, so two tabs saving at
    once cannot both win on any database.
    """
    if not decl.is_editable:
        raise TransitionError(_("该申报已提交，不能修改；如需修改请先撤回"))
    if decl.guide.applicant_deadline_passed():
        raise TransitionError(_("申报已截止，不能再修改"))
    with transaction.atomic():
        updated = Declaration.objects.filter(
            pk=decl.pk, version=expected_version, state__in=[S.DRAFT, S.RETURNED]
        ).update(version=F("version") + 1, updated_at=timezone.now(), **cleaned)
        if not updated:
            raise StaleVersion()
        if extra_directions is not None:
            decl.extra_directions.set(extra_directions)
    decl.refresh_from_db()
    return decl.version


def submit_declaration(decl, *, actor, request=None, now=None):
    now = now or timezone.now()
    if decl.guide.applicant_deadline_passed(now):
        raise TransitionError(_("申报已于 %(deadline)s 截止，不能提交") % {
            "deadline": timezone.localtime(decl.guide.applicant_deadline).strftime("%Y-%m-%d %H:%M")})
    if not decl.guide.is_published:
        raise TransitionError(_("该指南尚未发布，不能提交"))
    failures = check_eligibility(decl, today=timezone.localdate(now))
    if failures:
        raise TransitionError(_("申报内容尚不符合要求，请按提示修改后再提交"), failures)
    resubmit = decl.state == S.RETURNED
    transition(decl, S.SUBMITTED, actor=actor, request=request, submitted_at=now, return_reason="",
               summary=_("重新提交申报") if resubmit else _("提交申报"))
    transaction.on_commit(lambda: _after_submit(decl.pk))
    return decl


def _after_submit(declaration_id):
    # Documents and notifications are optional rooms: import lazily so this app stands alone.
    try:
        from documents.services import request_application_form
    except ImportError:
        return
    request_application_form(declaration_id)


def withdraw_declaration(decl, *, actor, request=None):
    if decl.guide.applicant_deadline_passed():
        raise TransitionError(_("申报已截止，不能撤回"))
    return transition(decl, S.DRAFT, actor=actor, request=request, summary=_("撤回申报，恢复为草稿"))


def return_for_revision(decl, *, actor, reason, request=None):
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("退回修改时请填写退回理由，申报单位将看到该理由"))
    return transition(decl, S.RETURNED, actor=actor, reason=reason, request=request,
                      return_reason=reason, summary=_("退回修改"))


def pass_formal_check(decl, *, actor, request=None):
    return transition(decl, S.PASSED, actor=actor, request=request, summary=_("形式审查通过"))
