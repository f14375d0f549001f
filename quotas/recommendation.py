"""Ranking and confirming a recommendation list, and numbering its 推荐函.

Owns marking entries recommended within the quota, ordering and moving them, and confirming the
list: checking everything once more under the lock, moving the declarations on to recommended /
not recommended, sending them up to the parent unit, numbering the letter and asking the documents
room for it, and telling staff, late children and applicants.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from declarations.models import Declaration
from declarations.services import transition
from declarations.stage_notices import notify_stage

from .lists import ListError, bump_version, check_quota, ensure_open, format_time, lock_list, sync_entries
from .models import LetterSequence, ListEntry, RecommendationList
from .queries import counter, is_exempt
from .readiness import child_states, confirmation_blockers
from .signals import list_confirmed

log = logging.getLogger(__name__)
S = Declaration.State


def set_recommended(*, rec_list, declaration_id, recommended, actor, expected_version=None, request=None, now=None):
    """Mark one entry as recommended or not; refuses to go over the quota."""
    with transaction.atomic():
        locked = lock_list(unit=rec_list.unit, guide=rec_list.guide)
        ensure_open(locked, now, expected_version)
        sync_entries(locked)
        entry = locked.entries.select_related("declaration__organisation").filter(declaration_id=declaration_id).first()
        if entry is None:
            raise ListError(_("该项目不在本单位的推荐名单中（可能已被退回或尚未通过形式审查），请刷新页面"))
        if entry.recommended != recommended:
            entry.recommended = recommended
            entry.save(update_fields=["recommended"])
        numbers = check_quota(locked)
        bump_version(locked)
        record("list.recommend" if recommended else "list.unrecommend", target=locked, actor=actor, request=request,
               summary=(_("推荐“%(p)s”") if recommended else _("取消推荐“%(p)s”")) % {"p": entry.declaration},
               data={"declaration": declaration_id, "exempt": is_exempt(entry.declaration, locked.guide),
                     "used": numbers["used"]})
    return locked


def set_ranking(*, rec_list, order, actor, expected_version=None, request=None, now=None):
    """Put the entries in the given order of declaration ids (which must be exactly the list's entries)."""
    try:
        order = [int(pk) for pk in order]
    except (TypeError, ValueError):
        raise ListError(_("排序数据无效，请刷新页面后重试"))
    with transaction.atomic():
        locked = lock_list(unit=rec_list.unit, guide=rec_list.guide)
        ensure_open(locked, now, expected_version)
        sync_entries(locked)
        entries = {e.declaration_id: e for e in locked.entries.all()}
        if len(order) != len(set(order)) or set(order) != set(entries):
            raise ListError(_("排序内容与当前名单不一致（可能有项目刚被退回或新通过审查），请刷新页面后重试"))
        for rank, pk in enumerate(order, 1):
            entries[pk].rank = rank
        ListEntry.objects.bulk_update(list(entries.values()), ["rank"])
        bump_version(locked)
        record("list.rank", target=locked, actor=actor, request=request, summary=_("调整推荐排序"),
               data={"order": order})
    return locked


def move_entry(*, rec_list, declaration_id, offset, actor, expected_version=None, request=None, now=None):
    """Move one entry up (offset −1) or down (+1): a convenience over set_ranking."""
    order = list(rec_list.entries.order_by("rank", "id").values_list("declaration_id", flat=True))
    if declaration_id not in order:
        raise ListError(_("该项目不在本单位的推荐名单中，请刷新页面"))
    i = order.index(declaration_id)
    j = min(max(i + offset, 0), len(order) - 1)
    order.insert(j, order.pop(i))
    return set_ranking(rec_list=rec_list, order=order, actor=actor, expected_version=expected_version,
                       request=request, now=now)


# --- confirmation -------------------------------------------------------------------


def confirm_recommendations(*, rec_list, actor, expected_version=None, request=None, now=None):
    """确认推荐名单: lock the list, check everything once more, move the declarations on, number the letter."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_list(unit=rec_list.unit, guide=rec_list.guide)
        ensure_open(locked, now, expected_version)
        unit, guide = locked.unit, locked.guide
        parent_list = None
        if unit.parent_id:
            parent_list = lock_list(unit=unit.parent, guide=guide)
            if parent_list.is_confirmed:
                raise ListError(_("上级单位“%(parent)s”已于 %(at)s 确认推荐名单（本单位未在截止时间前确认），"
                                  "本单位不能再报送；请联系上级单位") % {
                    "parent": unit.parent.name, "at": format_time(parent_list.confirmed_at)})
        sync_entries(locked)
        numbers = counter(locked)
        children = child_states(unit, guide)
        problems = confirmation_blockers(locked, now=now, numbers=numbers, children=children)
        if problems:
            raise ListError("；".join(problems))
        entries = list(locked.entries.select_related("declaration").order_by("rank", "id"))
        for entry in entries:
            if unit.parent_id is None:
                to = S.RECOMMENDED if entry.recommended else S.NOT_RECOMMENDED
            elif not entry.recommended:
                to = S.NOT_RECOMMENDED
            else:
                continue  # stays "passed" and now appears in the parent's pool
            transition(entry.declaration, to, actor=actor, request=request,
                       summary=_("推荐单位“%(unit)s”确认推荐名单") % {"unit": unit.name})
        year = timezone.localtime(now).year
        number = _("%(prefix)s〔%(year)s〕%(n)s号") % {
            "prefix": unit.doc_prefix or _("推荐函"), "year": year, "n": next_letter_number(unit=unit, year=year)}
        locked.state = RecommendationList.State.CONFIRMED
        locked.confirmed_at = now
        locked.confirmed_by = actor
        locked.document_number = number
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        if parent_list is not None:
            sync_entries(parent_list)  # what this unit recommended now waits in the parent's ranking
            bump_version(parent_list)
        recommended = [e.declaration_id for e in entries if e.recommended]
        late = [c for c in children if not c.confirmed]  # past their deadline, else confirming was refused
        record("list.confirm", target=locked, actor=actor, request=request,
               summary=_("确认推荐名单：推荐 %(n)s 项（占用名额 %(used)s 个，豁免 %(exempt)s 个，名额 %(quota)s 个）") % {
                   "n": len(recommended), **numbers},
               data={"declarations": recommended, "document_number": number, "counts": numbers,
                     "late_children": [c.unit.pk for c in late]})
        _notify_confirmed(locked, actor)
        _notify_late_children(locked, late)
        _notify_applicants(unit, guide, entries)
        list_id = locked.pk
        transaction.on_commit(lambda: _request_letter(list_id))
    return locked


def next_letter_number(*, unit, year):
    """The unit's next letter number in `year`: each unit's sequence starts again at 1 every year (文号)."""
    LetterSequence.objects.get_or_create(unit=unit, year=year)
    LetterSequence.objects.filter(unit=unit, year=year).update(last=F("last") + 1)  # row lock until commit
    return LetterSequence.objects.values_list("last", flat=True).get(unit=unit, year=year)


def _notify_confirmed(rec_list, actor):
    url = reverse("quotas:workspace") + f"?guide={rec_list.guide_id}"
    unit = rec_list.unit
    title = _("“%(unit)s”已确认推荐名单") % {"unit": unit.name}
    body = _("%(guide)s：%(unit)s 已确认推荐名单，文号 %(number)s。") % {
        "guide": rec_list.guide.title, "unit": unit.name, "number": rec_list.document_number}
    staff = list(unit.staff.filter(is_active=True))
    if unit.parent_id:
        staff += list(unit.parent.staff.filter(is_active=True))
    for user in staff:
        notify(user, kind="list_confirmed", title=title, body=body, url=url)


def _notify_late_children(rec_list, late):
    """Children that let their deadline pass learn why they can no longer send anything up."""
    url = reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
    for child in late:
        body = _("上级单位“%(parent)s”已于 %(at)s 确认推荐名单。贵单位未在确认截止时间 %(deadline)s 前确认推荐名单，"
                 "本年度不能再向上级单位报送项目；如有特殊情况请联系上级单位或主管部门。") % {
            "parent": rec_list.unit.name, "at": format_time(rec_list.confirmed_at),
            "deadline": format_time(child.deadline) if child.deadline else "—"}
        for user in child.unit.staff.filter(is_active=True):
            notify(user, kind="list_locked_out", title=_("上级单位已确认名单，贵单位不能再报送"), body=body, url=url)


def _notify_applicants(unit, guide, entries):
    """Each declaration on the confirmed list learns where it stands (sent up, recommended or not)."""
    yes = [e.declaration for e in entries if e.recommended]
    no = [e.declaration for e in entries if not e.recommended]
    names = {"unit": unit.name, "guide": guide.title}
    if unit.parent_id:
        notify_stage(yes, "sent_up", parent=unit.parent.name, **names)
    else:
        notify_stage(yes, "recommended", **names)
    notify_stage(no, "not_recommended", **names)


def _request_letter(list_id):
    # The documents room renders the 推荐函 (its receiver); a failure must not undo or hide the confirmation.
    for _receiver, result in list_confirmed.send_robust(sender=RecommendationList, list_id=list_id):
        if isinstance(result, Exception):
            log.error("could not request the recommendation letter of list %s", list_id, exc_info=result)
