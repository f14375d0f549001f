"""What the ministry does to units and their lists outside the recommendation itself.

Owns reopening a confirmed list (its declarations return to "passed"), overriding one unit's quota
and deadline under a guide with a reason, recording edits of a unit's details, and adding staff
logins to a unit. One transaction, one audit record each.
"""


from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from declarations.models import Declaration
from declarations.services import TransitionError, transition

from .lists import ListError, bump_version, format_time, lock_list
from .models import RecommendationList, UnitGuideSetting

S = Declaration.State


def reopen_list(*, rec_list, actor, reason, request=None):
    """Admin: unlock a confirmed list (with a reason); its declarations return to "passed"."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("重新开放名单须填写理由"))
    with transaction.atomic():
        locked = lock_list(unit=rec_list.unit, guide=rec_list.guide)
        if not locked.is_confirmed:
            raise ListError(_("该名单尚未确认，无需重新开放"))
        unit = locked.unit
        parent_list = None
        if unit.parent_id:
            parent_list = lock_list(unit=unit.parent, guide=locked.guide)
            if parent_list.is_confirmed:
                raise ListError(_("上级单位“%(parent)s”已确认名单，请先重新开放上级单位的名单")
                                % {"parent": unit.parent.name})
        entries = list(locked.entries.select_related("declaration"))
        for entry in entries:
            if entry.declaration.state in (S.RECOMMENDED, S.NOT_RECOMMENDED):
                try:
                    transition(entry.declaration, S.PASSED, actor=actor, reason=reason, request=request,
                               summary=_("推荐名单重新开放"))
                except TransitionError as e:
                    raise ListError(e.message) from e
            elif entry.declaration.state != S.PASSED:
                raise ListError(_("项目“%(p)s”已进入评审结果（%(s)s），不能重新开放该名单") % {
                    "p": entry.declaration, "s": entry.declaration.get_state_display()})
        if parent_list is not None:
            parent_list.entries.filter(declaration_id__in=[e.declaration_id for e in entries]).delete()
            bump_version(parent_list)
        old_number = locked.document_number
        locked.state = RecommendationList.State.DRAFT
        locked.confirmed_at = None
        locked.confirmed_by = None
        locked.document_number = ""
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record("list.reopen", target=locked, actor=actor, reason=reason, request=request,
               summary=_("重新开放推荐名单（原文号 %(n)s）") % {"n": old_number or "—"},
               data={"document_number": old_number})
        for user in unit.staff.filter(is_active=True):
            notify(user, kind="list_reopened", title=_("推荐名单已重新开放"),
                   body=_("主管部门重新开放了贵单位的推荐名单，理由：%(reason)s") % {"reason": reason},
                   url=reverse("quotas:workspace") + f"?guide={locked.guide_id}")
    return locked


def set_unit_setting(*, unit, guide, quota, deadline, reason, actor, request=None):
    """Admin: override one unit's quota and/or extend its deadline under one guide, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("调整名额或截止时间须填写理由"))
    with transaction.atomic():
        setting, _created = UnitGuideSetting.objects.select_for_update().get_or_create(guide=guide, unit=unit)
        before = {"quota": setting.quota, "deadline": setting.deadline.isoformat() if setting.deadline else None}
        setting.quota = quota
        setting.deadline = deadline
        setting.reason = reason
        setting.updated_by = actor
        setting.save()
        after = {"quota": quota, "deadline": deadline.isoformat() if deadline else None}
        record("unit_setting.change", target=setting, actor=actor, reason=reason, request=request,
               summary=_("调整“%(unit)s”的名额/截止时间：名额 %(q)s，截止 %(d)s") % {
                   "unit": unit.name, "q": quota if quota is not None else _("按指南默认"),
                   "d": format_time(deadline) if deadline else _("按指南默认")},
               data={"unit": unit.pk, "guide": guide.pk, "before": before, "after": after})
    return setting


def record_unit_change(*, unit, actor, created, changed=(), request=None):
    """Admin saved a unit's details (the form has already validated them)."""
    return record("unit.create" if created else "unit.change", target=unit, actor=actor, request=request,
                  summary=(_("新建推荐单位“%(u)s”") if created else _("修改推荐单位“%(u)s”")) % {"u": unit.name},
                  data={"changed": list(changed)})


def create_staff_account(*, unit, username, full_name, phone, email, password, actor, request=None):
    """Admin: add a staff login to a unit."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    with transaction.atomic():
        user = User(username=username, full_name=full_name, phone=phone, email=email,
                    role=User.Role.UNIT, unit=unit)
        user.set_password(password)
        user.save()
        record("unit.staff_create", target=unit, actor=actor, request=request,
               summary=_("为“%(u)s”新建经办人账号 %(name)s") % {"u": unit.name, "name": username},
               data={"user": user.pk})
    return user
