"""Importing a guide's directions from a spreadsheet, and the blank template to fill in.

Owns the import's columns, the template workbook the ministry downloads, reading an uploaded .xlsx
into rows and a message per bad row (nothing is saved: the admin sees every row and confirms), and
saving the rows as new or updated directions of the guide in one transaction with one audit record.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record
from core.spreadsheet import cells, save

from .guide_admin import lock_guide
from .guide_cache import bump_guide_version
from .models import Category, Direction

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
        lock_guide(guide)
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
        bump_guide_version(guide)
        record("guide.import_directions", target=guide, actor=actor, request=request,
               summary=_("从表格导入方向：新增 %(c)d 个，更新 %(u)d 个") % {"c": created, "u": updated},
               data={"created": created, "updated": updated, "codes": [r["code"] for r in rows]})
    return created, updated
