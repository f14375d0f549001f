"""What a ministry admin does to a guide: copy, edit, import, publish, extend.

Each public function is one transaction with one audit record. Views call them
with cleaned form data; refusals raise GuideEditError with a message for the user.
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
from .models import Category, Declaration, Direction, Guide, Rule
from .signals import guide_copied, guide_publish_checks

GUIDE_FIELDS = ["year", "title", "doc_number", "applicant_deadline", "unit_deadline", "max_directions",
                "demo_period_years", "quota_exempt_dcmm_min", "notes"]
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


def _lock_guide(guide):
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
        locked = _lock_guide(guide)
        if locked.is_published:
            for name in ("applicant_deadline", "unit_deadline"):
                if name in changes and changes[name] != getattr(locked, name):
                    raise GuideEditError(_("指南已发布，截止时间只能通过“延期”修改并填写理由"))
        validate_deadlines(changes.get("applicant_deadline", locked.applicant_deadline),
                           changes.get("unit_deadline", locked.unit_deadline))
        diff = {}
        for name, value in changes.items():
            old = getattr(locked, name)
            if old != value:
                diff[name] = [_plain(old), _plain(value)]
                setattr(locked, name, value)
        if not diff:
            return locked
        locked.save()
        record("guide.update", target=locked, actor=actor, request=request,
               summary=_("修改指南基本信息：%(fields)s") % {
                   "fields": "、".join(str(Guide._meta.get_field(n).verbose_name) for n in diff)},
               data={"changes": diff})
    return locked


def publish_guide(*, guide, actor, request=None, now=None):
    """Open a guide to applicants, only when every item of its checklist holds."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_guide(guide)
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
        locked = _lock_guide(guide)
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
    from core.tasks import announce_extension

    announce_extension.delay(guide_id, applicant_deadline="applicant_deadline" in changes,
                             unit_deadline="unit_deadline" in changes)


# --- categories, directions, rules ------------------------------------------------------------

def save_category(*, guide, actor, code, name, order=None, category=None, request=None):
    code, name = code.strip(), name.strip()
    with transaction.atomic():
        _lock_guide(guide)
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
        record("guide.category_add" if created else "guide.category_update", target=guide, actor=actor,
               request=request, summary=(_("新增领域 %(c)s") if created else _("修改领域 %(c)s")) % {"c": category},
               data={"category": category.pk, "code": code, "name": name})
    return category


def delete_category(*, category, actor, request=None):
    guide = category.guide
    with transaction.atomic():
        _lock_guide(guide)
        if category.directions.exists():
            raise GuideEditError(_("领域“%(name)s”下还有方向，请先删除或移走这些方向") % {"name": category.name})
        label = str(category)
        category.delete()
        record("guide.category_delete", target=guide, actor=actor, request=request,
               summary=_("删除领域 %(c)s") % {"c": label})


def save_direction(*, guide, actor, fields, direction=None, request=None):
    """Create or change one direction; fields are DIRECTION_FIELDS from a validated form."""
    with transaction.atomic():
        _lock_guide(guide)
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
        _lock_guide(guide)
        usage = direction_usage(direction)
        if usage:
            parts = "、".join(_("%(n)d 份%(state)s") % {"n": n, "state": Declaration.State(s).label}
                             for s, n in sorted(usage.items()))
            raise GuideEditError(_("方向“%(d)s”已被申报使用（%(parts)s），不能删除。"
                                   "如该方向不再受理，请在指南说明中注明。") % {"d": direction, "parts": parts})
        label = str(direction)
        direction.delete()
        record("guide.direction_delete", target=guide, actor=actor, request=request,
               summary=_("删除方向 %(d)s") % {"d": label})


def save_rule(*, guide, actor, kind, params, message="", direction=None, is_active=True, rule=None,
              request=None):
    with transaction.atomic():
        _lock_guide(guide)
        if direction is not None and direction.guide_id != guide.pk:
            raise GuideEditError(_("所选方向不属于本指南"))
        created = rule is None
        rule = rule or Rule(guide=guide)
        rule.kind, rule.params, rule.message = kind, params, message
        rule.direction, rule.is_active = direction, is_active
        rule.save()
        record("guide.rule_add" if created else "guide.rule_update", target=guide, actor=actor, request=request,
               summary=(_("新增申报条件：%(r)s") if created else _("修改申报条件：%(r)s")) % {"r": rule},
               data={"rule": rule.pk, "kind": kind, "params": params,
                     "direction": direction.pk if direction else None})
    return rule


def delete_rule(*, rule, actor, request=None):
    guide = rule.guide
    with transaction.atomic():
        _lock_guide(guide)
        label = str(rule)
        rule.delete()
        record("guide.rule_delete", target=guide, actor=actor, request=request,
               summary=_("删除申报条件：%(r)s") % {"r": label})


# --- spreadsheet import -----------------------------------------------------------------------

IMPORT_COLUMNS = [
    ("category_code", "领域编号", True, 10),
    ("category_name", "领域名称", True, 100),
    ("code", "方向编号", True, 10),
    ("name", "方向名称", True, 100),
    ("requirements", "需求要点", False, 5000),
    ("content", "实施内容", False, 5000),
    ("outcomes", "应用成效", False, 5000),
    ("role_split", "区分拥有方与服务方", False, 10),
]
YES = {"是", "y", "yes", "1", "true", "√"}
NO = {"", "否", "n", "no", "0", "false"}
MAX_IMPORT_ROWS = 500


def template_workbook():
    """The blank workbook a clerk fills in: header row plus one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.spreadsheet import cells, save

    wb = Workbook()
    ws = wb.active
    ws.title = "方向"
    ws.append(cells(c[1] for c in IMPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(cells(["一", "数据要素市场培育", "1", "数据管理能力提升", "（需求要点）", "（实施内容）", "（应用成效）", "否"]))
    for col, width in zip("ABCDEFGH", (10, 24, 10, 24, 40, 40, 40, 16)):
        ws.column_dimensions[col].width = width
    return save(wb)


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_directions_workbook(fileobj):
    """Read and check every row; returns (rows, errors). Nothing is saved.

    rows: dicts of IMPORT_COLUMNS keys plus "line"; errors: (line, message) pairs,
    line 0 for problems with the file itself.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        return [], [(0, _("无法读取该文件，请上传 .xlsx 格式的 Excel 工作簿（可先下载模板）"))]
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if not header:
        return [], [(0, _("工作表是空的，第一行应为表头"))]
    names = [_cell_text(h) for h in header]
    index = {}
    missing = []
    for key, label, required, _max in IMPORT_COLUMNS:
        if label in names:
            index[key] = names.index(label)
        elif required:
            missing.append(label)
    if missing:
        return [], [(0, _("表头缺少以下列：%(cols)s（请使用模板）") % {"cols": "、".join(missing)})]
    rows, errors = [], []
    seen_codes, category_names = {}, {}
    for line, values in enumerate(it, start=2):
        if values is None or all(_cell_text(v) == "" for v in values):
            continue
        if len(rows) + len({e[0] for e in errors if e[0]}) >= MAX_IMPORT_ROWS:
            errors.append((line, _("一次最多导入 %(n)d 行") % {"n": MAX_IMPORT_ROWS}))
            break
        row = {"line": line}
        row_errors = []
        for key, label, required, max_len in IMPORT_COLUMNS:
            i = index.get(key)
            text = _cell_text(values[i]) if i is not None and i < len(values) else ""
            if required and not text:
                row_errors.append(_("“%(col)s”不能为空") % {"col": label})
            elif len(text) > max_len:
                row_errors.append(_("“%(col)s”超过 %(n)d 个字") % {"col": label, "n": max_len})
            row[key] = text
        flag = row["role_split"].lower()
        if flag in YES:
            row["role_split"] = True
        elif flag in NO:
            row["role_split"] = False
        else:
            row_errors.append(_("“区分拥有方与服务方”只能填“是”或“否”"))
        if row["code"]:
            if row["code"] in seen_codes:
                row_errors.append(_("方向编号“%(code)s”与第 %(line)d 行重复") % {
                    "code": row["code"], "line": seen_codes[row["code"]]})
            else:
                seen_codes[row["code"]] = line
        if row["category_code"] and row["category_name"]:
            known = category_names.setdefault(row["category_code"], (row["category_name"], line))
            if known[0] != row["category_name"]:
                row_errors.append(_("领域编号“%(code)s”在第 %(line)d 行的名称是“%(name)s”，此处不一致") % {
                    "code": row["category_code"], "line": known[1], "name": known[0]})
        if row_errors:
            errors.extend((line, msg) for msg in row_errors)
        else:
            rows.append(row)
    if not rows and not errors:
        errors.append((0, _("表格中没有数据行")))
    return rows, errors


def import_directions(*, guide, rows, actor, request=None):
    """Create or update categories and directions by code from checked rows. Returns (created, updated)."""
    with transaction.atomic():
        _lock_guide(guide)
        categories = {c.code: c for c in guide.categories.all()}
        directions = {d.code: d for d in guide.directions.all()}
        next_cat = max([c.order for c in categories.values()], default=0)
        next_dir = max([d.order for d in directions.values()], default=0)
        created = updated = 0
        for row in rows:
            cat = categories.get(row["category_code"])
            if cat is None:
                next_cat += 1
                cat = categories[row["category_code"]] = Category.objects.create(
                    guide=guide, code=row["category_code"], name=row["category_name"], order=next_cat)
            elif cat.name != row["category_name"]:
                cat.name = row["category_name"]
                cat.save(update_fields=["name"])
            values = {"category": cat, "name": row["name"], "requirements": row["requirements"],
                      "content": row["content"], "outcomes": row["outcomes"], "role_split": row["role_split"]}
            d = directions.get(row["code"])
            if d is None:
                next_dir += 1
                directions[row["code"]] = Direction.objects.create(guide=guide, code=row["code"], order=next_dir,
                                                                   **values)
                created += 1
            else:
                for k, v in values.items():
                    setattr(d, k, v)
                d.save()
                updated += 1
        record("guide.import_directions", target=guide, actor=actor, request=request,
               summary=_("从表格导入方向：新增 %(c)d 个，更新 %(u)d 个") % {"c": created, "u": updated},
               data={"created": created, "updated": updated, "codes": [r["code"] for r in rows]})
    return created, updated
