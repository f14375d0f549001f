"""What a ministry admin does to a guide: copy, edit, publish, extend, and its categories, directions, rules.

Each public function is one transaction with one audit record. Views call them with cleaned form
data; refusals raise GuideEditError with a message for the user. Importing directions from a
spreadsheet is in direction_import.py.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record

from .attachment_kinds import copy_kinds
from .guide_cache import bump_guide_version
from .models import Category, ConsortiumMember, Declaration, Direction, Guide, Rule
from .signals import deadline_extended, exemption_changed, guide_copied, guide_publish_checks

GUIDE_FIELDS = ["year", "title", "doc_number", "applicant_deadline", "unit_deadline", "max_directions",
                "demo_period_years", "quota_exempt_dcmm_min", "programme_name", "consortium_allowed", "consortium_max_members",
                "notes"]
DIRECTION_FIELDS = ["category", "code", "name", "requirements", "content", "outcomes", "role_split", "order"]


class GuideEditError(Exception):
    """An edit the rules refuse; the message says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _plain(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _shift_year(value, years=1):
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a year without one
        return value.replace(year=value.year + years, day=28)


def lock_guide(guide):
    return Guide.objects.select_for_update().get(pk=guide.pk)


# --- copying -----------------------------------------------------------------------------------


def copy_guide(*, source, actor, year=None, title=None, request=None):
    """Next year's guide from `source`: everything but declarations, deadlines a year later, unpublished.

    Quotas and scoring sheets belong to other apps; they copy theirs on the guide_copied signal.
    """
    year = year or source.year + 1
    title = (title or "").strip() or source.title.replace(str(source.year), str(year), 1)
    if title == source.title:
        title = _("%(year)s年%(title)s") % {"year": year, "title": source.title}
    with transaction.atomic():
        if Guide.objects.filter(year=year, title=title).exists():
            raise GuideEditError(_("%(year)s 年已有同名指南“%(title)s”，请换一个标题") % {"year": year, "title": title})
        copy = Guide.objects.create(
            year=year, title=title, doc_number="",
            applicant_deadline=_shift_year(source.applicant_deadline, year - source.year),
            unit_deadline=_shift_year(source.unit_deadline, year - source.year),
            max_directions=source.max_directions, demo_period_years=source.demo_period_years,
            # The shipped files' notes describe how that year's data was read from its seed: internal, and
            # wrong for a new year, so a copy starts without them.
            quota_exempt_dcmm_min=source.quota_exempt_dcmm_min, notes="", source="",
            programme_name=source.programme_name, consortium_allowed=source.consortium_allowed, consortium_max_members=source.consortium_max_members,
            is_published=False, copied_from=source,
        )
        categories = {}
        for cat in source.categories.all():
            categories[cat.pk] = Category.objects.create(guide=copy, code=cat.code, name=cat.name, order=cat.order)
        directions = {}
        for d in source.directions.all():
            directions[d.pk] = Direction.objects.create(
                guide=copy, category=categories[d.category_id], code=d.code, name=d.name,
                requirements=d.requirements, content=d.content, outcomes=d.outcomes, role_split=d.role_split,
                order=d.order)
        Rule.objects.bulk_create([
            Rule(guide=copy, direction=directions.get(r.direction_id) if r.direction_id else None, kind=r.kind,
                 params=dict(r.params or {}), message=r.message, is_active=r.is_active)
            for r in source.rules.all()
        ])
        copy_kinds(source, copy, directions)
        guide_copied.send(sender=Guide, source=source, copy=copy)
        record("guide.copy", target=copy, actor=actor, request=request,
               summary=_("由“%(source)s”复制生成指南“%(title)s”") % {"source": source.title, "title": copy.title},
               data={"source": source.pk, "categories": len(categories), "directions": len(directions),
                     "attachment_kinds": copy.attachment_kinds.count()})
    return copy


# --- the guide itself --------------------------------------------------------------------------


def validate_deadlines(applicant_deadline, unit_deadline):
    if applicant_deadline and unit_deadline and unit_deadline < applicant_deadline:
        raise GuideEditError(_("推荐单位确认截止时间不能早于申报截止时间"))


def update_guide(*, guide, actor, changes, request=None):
    """Write the given guide fields; deadlines of a published guide change only through extend_deadline."""
    unknown = set(changes) - set(GUIDE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_guide(guide)
        if locked.is_published:
            for name in ("applicant_deadline", "unit_deadline"):
                if name in changes and changes[name] != getattr(locked, name):
                    raise GuideEditError(_("指南已发布，截止时间只能通过“延期”修改并填写理由"))
        validate_deadlines(changes.get("applicant_deadline", locked.applicant_deadline),
                           changes.get("unit_deadline", locked.unit_deadline))
        if (locked.consortium_allowed and changes.get("consortium_allowed") is False
                and ConsortiumMember.objects.filter(guide=locked).exists()):
            raise GuideEditError(_("已有申报添加了联合体成员单位，不能取消“允许企业联合体申报”"))
        diff = {}
        for name, value in changes.items():
            old = getattr(locked, name)
            if old != value:
                diff[name] = [_plain(old), _plain(value)]
                setattr(locked, name, value)
        if not diff:
            return locked
        locked.save()
        if "quota_exempt_dcmm_min" in diff:
            exemption_changed.send(sender=Guide, guide_id=locked.pk)
        record("guide.update", target=locked, actor=actor, request=request,
               summary=_("修改指南基本信息：%(fields)s") % {
                   "fields": "、".join(str(Guide._meta.get_field(n).verbose_name) for n in diff)},
               data={"changes": diff})
    return locked


def publish_guide(*, guide, actor, request=None, now=None):
    """Open a guide to applicants, only when every item of its checklist holds."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_guide(guide)
        if locked.is_published:
            raise GuideEditError(_("该指南已发布"))
        checklist = publish_checklist(locked, now=now)
        problems = [item.problem for item in checklist if not item.ok]
        if problems:
            raise GuideEditError(_("不能发布：") + "；".join(problems))
        locked.is_published = True
        locked.published_at = now
        locked.save(update_fields=["is_published", "published_at"])
        record("guide.publish", target=locked, actor=actor, request=request,
               summary=_("发布指南“%(title)s”") % {"title": locked.title},
               data={"checklist": [str(item.label) for item in checklist]})
    return locked


@dataclass
class ChecklistItem:
    """One line of the publishing checklist: what is checked and, when it fails, what to fix."""

    label: str
    problem: str = ""

    @property
    def ok(self):
        return not self.problem


def publish_checklist(guide, *, now=None):
    """Every check a guide passes before it opens: its own fields here, quotas and scoring from their apps."""
    now = now or timezone.now()
    items = [
        ChecklistItem(_("文号"), "" if guide.doc_number.strip() else _("请填写指南文号（如 工信厅信发函〔2022〕71号）")),
        ChecklistItem(_("领域与方向"), _structure_problem(guide)),
        ChecklistItem(_("方向名称与内容已补录"), _placeholder_problem(guide)),
        ChecklistItem(_("截止时间"), _deadline_problem(guide, now)),
        ChecklistItem(_("统计报表年度"), _stats_year_problem(guide)),
    ]
    for _receiver, response in guide_publish_checks.send(sender=Guide, guide=guide, now=now):
        items.extend(response or [])
    return items


def publish_problems(guide, *, now=None):
    """Why this guide is not ready to publish (empty when it is)."""
    return [item.problem for item in publish_checklist(guide, now=now) if not item.ok]


def _structure_problem(guide):
    if not guide.directions.exists():
        return _("指南还没有任何申报方向")
    if guide.categories.annotate(n=Count("directions")).filter(n=0).exists():
        return _("存在没有方向的领域/类别，请补充方向或删除该领域")
    return ""


# A guide file marks what its sources do not give (2023: the 13 directions' names and texts) with this text;
# the admin replaces it through the spreadsheet import before the guide may open.
PLACEHOLDER = "【待补录】"


def _placeholder_problem(guide):
    q = Q()
    for name in ("name", "requirements", "content", "outcomes"):
        q |= Q(**{f"{name}__contains": PLACEHOLDER})
    q |= Q(category__name__contains=PLACEHOLDER)
    codes = list(guide.directions.filter(q).order_by("order", "id").values_list("code", flat=True))
    if not codes:
        return ""
    return _("方向 %(codes)s 的名称或内容仍为“%(mark)s”占位文字（指南原文未载），请按通知原文通过“从表格导入方向”"
             "补录后再发布") % {"codes": "、".join(codes), "mark": PLACEHOLDER}


def _deadline_problem(guide, now):
    if guide.applicant_deadline is None:
        return _("请先设置申报截止时间")
    if guide.applicant_deadline <= now:
        return _("申报截止时间已过，请先修改截止时间")
    if guide.unit_deadline is None:
        return _("请先设置推荐单位确认截止时间")
    if guide.unit_deadline < guide.applicant_deadline:
        return _("推荐单位确认截止时间不能早于申报截止时间")
    return ""


YEAR_IN_TEXT = re.compile(r"(\d{4})年度")


def _stats_year_problem(guide):
    """The annual statistics report applicants attest is last year's (2022 guide: the 2021 report, seed 002)."""
    wanted = guide.year - 1
    for rule in guide.rules.filter(kind=Rule.Kind.STATS_REPORT, is_active=True):
        year = (rule.params or {}).get("report_year")
        stated = {int(y) for y in YEAR_IN_TEXT.findall(rule.message or "")}
        if year != wanted or stated - {wanted}:
            return _("统计报表年度应为 %(wanted)s 年（指南年度 %(year)s 的上一年），当前申报条件为 %(have)s 年，"
                     "请修改“须完成年度统计报表填报”条件的年度和提示") % {
                "wanted": wanted, "year": guide.year, "have": year or "—"}
    return ""


def extend_deadline(*, guide, actor, reason, applicant_deadline=None, unit_deadline=None, request=None):
    """Move a guide's deadlines later (never earlier), with the reason on record."""
    reason = (reason or "").strip()
    if not reason:
        raise GuideEditError(_("延期须填写理由"))
    if applicant_deadline is None and unit_deadline is None:
        raise GuideEditError(_("请至少填写一个新的截止时间"))
    with transaction.atomic():
        locked = lock_guide(guide)
        changes = {}
        for name, new, label in (("applicant_deadline", applicant_deadline, _("申报截止时间")),
                                 ("unit_deadline", unit_deadline, _("推荐单位确认截止时间"))):
            if new is None:
                continue
            old = getattr(locked, name)
            if old is not None and new <= old:
                raise GuideEditError(_("新的%(label)s须晚于原截止时间 %(old)s") % {
                    "label": label, "old": timezone.localtime(old).strftime("%Y-%m-%d %H:%M")})
            changes[name] = [_plain(old), _plain(new)]
            setattr(locked, name, new)
        validate_deadlines(locked.applicant_deadline, locked.unit_deadline)
        locked.save(update_fields=["applicant_deadline", "unit_deadline"])
        record("guide.extend_deadline", target=locked, actor=actor, reason=reason, request=request,
               summary=_("指南截止时间延期"), data={"changes": changes})
        transaction.on_commit(lambda: _announce_extension(locked.pk, changes))
    return locked


def _announce_extension(guide_id, changes):
    deadline_extended.send(sender=Guide, guide_id=guide_id, applicant_deadline="applicant_deadline" in changes,
                           unit_deadline="unit_deadline" in changes)


# --- categories, directions, rules ------------------------------------------------------------


def save_category(*, guide, actor, code, name, order=None, category=None, request=None):
    code, name = code.strip(), name.strip()
    with transaction.atomic():
        lock_guide(guide)
        clash = guide.categories.filter(code=code)
        if category is not None:
            clash = clash.exclude(pk=category.pk)
        if clash.exists():
            raise GuideEditError(_("领域编号“%(code)s”已存在") % {"code": code})
        created = category is None
        if created:
            if order is None:
                order = (guide.categories.aggregate(m=Max("order"))["m"] or 0) + 1
            category = Category.objects.create(guide=guide, code=code, name=name, order=order)
        else:
            category.code, category.name = code, name
            if order is not None:
                category.order = order
            category.save()
        bump_guide_version(guide)
        record("guide.category_add" if created else "guide.category_update", target=guide, actor=actor,
               request=request, summary=(_("新增领域 %(c)s") if created else _("修改领域 %(c)s")) % {"c": category},
               data={"category": category.pk, "code": code, "name": name})
    return category


def delete_category(*, category, actor, request=None):
    guide = category.guide
    with transaction.atomic():
        lock_guide(guide)
        if category.directions.exists():
            raise GuideEditError(_("领域“%(name)s”下还有方向，请先删除或移走这些方向") % {"name": category.name})
        label = str(category)
        category.delete()
        bump_guide_version(guide)
        record("guide.category_delete", target=guide, actor=actor, request=request,
               summary=_("删除领域 %(c)s") % {"c": label})


def save_direction(*, guide, actor, fields, direction=None, request=None):
    """Create or change one direction; fields are DIRECTION_FIELDS from a validated form."""
    with transaction.atomic():
        lock_guide(guide)
        if fields["category"].guide_id != guide.pk:
            raise GuideEditError(_("所选领域不属于本指南"))
        clash = guide.directions.filter(code=fields["code"])
        if direction is not None:
            clash = clash.exclude(pk=direction.pk)
        if clash.exists():
            raise GuideEditError(_("方向编号“%(code)s”已存在") % {"code": fields["code"]})
        created = direction is None
        if created:
            direction = Direction(guide=guide)
            if fields.get("order") is None:
                fields = {**fields, "order": (guide.directions.aggregate(m=Max("order"))["m"] or 0) + 1}
        changed = []
        for name in DIRECTION_FIELDS:
            if name in fields and fields[name] is not None and getattr(direction, name, None) != fields[name]:
                setattr(direction, name, fields[name])
                changed.append(name)
        direction.save()
        bump_guide_version(guide)
        record("guide.direction_add" if created else "guide.direction_update", target=guide, actor=actor,
               request=request,
               summary=(_("新增方向 %(d)s") if created else _("修改方向 %(d)s")) % {"d": direction},
               data={"direction": direction.pk, "fields": changed})
    return direction


def direction_usage(direction):
    """How many declarations use this direction, by state (as main or extra direction)."""
    rows = (Declaration.objects.filter(Q(direction=direction) | Q(extra_directions=direction))
            .values("state").annotate(n=Count("id", distinct=True)).order_by())
    return {row["state"]: row["n"] for row in rows}


def delete_direction(*, direction, actor, request=None):
    """Refused while any declaration uses the direction: applicants chose it and units are checking it."""
    guide = direction.guide
    with transaction.atomic():
        lock_guide(guide)
        usage = direction_usage(direction)
        if usage:
            parts = "、".join(_("%(n)d 份%(state)s") % {"n": n, "state": Declaration.State(s).label}
                             for s, n in sorted(usage.items()))
            raise GuideEditError(_("方向“%(d)s”已被申报使用（%(parts)s），不能删除。"
                                   "如该方向不再受理，请在指南说明中注明。") % {"d": direction, "parts": parts})
        label = str(direction)
        direction.delete()
        bump_guide_version(guide)
        record("guide.direction_delete", target=guide, actor=actor, request=request,
               summary=_("删除方向 %(d)s") % {"d": label})


def save_rule(*, guide, actor, kind, params, message="", direction=None, is_active=True, rule=None,
              request=None):
    with transaction.atomic():
        lock_guide(guide)
        if direction is not None and direction.guide_id != guide.pk:
            raise GuideEditError(_("所选方向不属于本指南"))
        created = rule is None
        rule = rule or Rule(guide=guide)
        rule.kind, rule.params, rule.message = kind, params, message
        rule.direction, rule.is_active = direction, is_active
        rule.save()
        bump_guide_version(guide)
        record("guide.rule_add" if created else "guide.rule_update", target=guide, actor=actor, request=request,
               summary=(_("新增申报条件：%(r)s") if created else _("修改申报条件：%(r)s")) % {"r": rule},
               data={"rule": rule.pk, "kind": kind, "params": params,
                     "direction": direction.pk if direction else None})
    return rule


def delete_rule(*, rule, actor, request=None):
    guide = rule.guide
    with transaction.atomic():
        lock_guide(guide)
        label = str(rule)
        rule.delete()
        bump_guide_version(guide)
        record("guide.rule_delete", target=guide, actor=actor, request=request,
               summary=_("删除申报条件：%(r)s") % {"r": label})
