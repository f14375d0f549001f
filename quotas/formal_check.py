"""The recommending unit's formal check of a submitted declaration: pass it or return it.

Owns passing a declaration of the unit's own jurisdiction (it then enters the unit's list) and
returning one for revision with a reason the applicant can act on (at least RETURN_REASON_MIN
characters), with the applicant's notification. One transaction, one audit record each.
"""


from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from core.notify import notify
from declarations.models import Declaration
from declarations.services import TransitionError, pass_formal_check, return_for_revision
from declarations.stage_notices import notify_stage
from units.jurisdiction import may_declare_to

from .lists import ListError, bump_version, ensure_open, lock_list, sync_entries

S = Declaration.State
# A return reason tells the applicant what to fix; "不合格" tells it nothing.
RETURN_REASON_MIN = 10


def _own_unit_check(declaration, actor):
    if not (actor.is_unit_staff and declaration.unit_id == actor.unit_id):
        raise ListError(_("只有申报时选择的推荐单位才能进行形式审查"))


def pass_check(*, declaration, actor, request=None, now=None):
    """形式审查通过: the declaration joins the unit's pool for ranking."""
    _own_unit_check(declaration, actor)
    if not may_declare_to(declaration.organisation, declaration.guide, declaration.unit_id):
        # Declared before the jurisdiction rules (or the organisation's place changed): it belongs elsewhere.
        raise ListError(_("该申报单位不属于本单位辖区（所在地：%(place)s），也未经本单位确认为集团成员单位，"
                          "不能通过形式审查；请退回修改，由申报单位改报其所在地的推荐单位")
                        % {"place": declaration.organisation.division_display})
    with transaction.atomic():
        rec_list = lock_list(unit=declaration.unit, guide=declaration.guide)
        ensure_open(rec_list, now)
        try:
            pass_formal_check(declaration, actor=actor, request=request)
        except TransitionError as e:
            raise ListError(e.message) from e
        sync_entries(rec_list)
        bump_version(rec_list)
        notify_stage([declaration], "passed", unit=rec_list.unit.name)
    return declaration


def return_declaration(*, declaration, actor, reason, request=None, now=None):
    """退回修改 with a reason the applicant sees; the declaration leaves the ranking."""
    _own_unit_check(declaration, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("退回修改时请填写退回理由，申报单位将看到该理由"))
    if len(reason) < RETURN_REASON_MIN:
        raise ListError(_("退回理由至少 %(n)s 个字，请写明需要修改的具体内容") % {"n": RETURN_REASON_MIN})
    if len(reason) > 1000:
        raise ListError(_("退回理由不能超过 1000 字"))
    with transaction.atomic():
        rec_list = lock_list(unit=declaration.unit, guide=declaration.guide)
        ensure_open(rec_list, now)
        try:
            return_for_revision(declaration, actor=actor, reason=reason, request=request)
        except TransitionError as e:
            raise ListError(e.message) from e
        rec_list.entries.filter(declaration=declaration).delete()
        sync_entries(rec_list)
        bump_version(rec_list)
        url = reverse("declarations:detail", args=[declaration.pk])
        for user in declaration.organisation.users.filter(is_active=True):
            notify(user, kind="returned", title=_("您的申报被退回修改"), url=url,
                   body=_("推荐单位“%(unit)s”将项目“%(project)s”退回修改，理由：%(reason)s") % {
                       "unit": declaration.unit.name, "project": declaration, "reason": reason})
    return declaration
