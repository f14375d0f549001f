"""The confirmed recommendation list as an Excel workbook, laid out to print on A4 landscape."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.spreadsheet import cells, save

from .queries import entries_of, is_exempt


def list_workbook(rec_list):
    guide, unit = rec_list.guide, rec_list.unit
    wb = Workbook()
    ws = wb.active
    ws.title = _("推荐名单")
    headers = [_("排序"), _("项目名称"), _("申报单位"), _("统一社会信用代码"), _("申报方向"), _("报送单位"),
               _("DCMM 等级"), _("是否占用名额"), _("联系人"), _("联系电话")]
    widths = [6, 36, 30, 22, 26, 24, 10, 12, 10, 14]
    title = _("%(unit)s %(guide)s 推荐名单") % {"unit": unit.name, "guide": guide.title}
    ws.append(cells([title]))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    confirmed = timezone.localtime(rec_list.confirmed_at).strftime("%Y-%m-%d %H:%M") if rec_list.confirmed_at else ""
    ws.append(cells([_("文号：%(n)s    确认时间：%(t)s    确认人：%(u)s") % {
        "n": rec_list.document_number, "t": confirmed, "u": rec_list.confirmed_by or ""}]))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    ws.append(cells(headers))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    n = 0
    for entry in entries_of(rec_list).filter(recommended=True):
        n += 1
        d = entry.declaration
        ws.append(cells([n, d.project_name, d.organisation.name, d.organisation.credit_code, str(d.direction or ""),
                         d.unit.name if d.unit else "", d.organisation.dcmm_level or _("无"),
                         _("否（DCMM 豁免）") if is_exempt(d, guide) else _("是"), d.organisation.contact_name,
                         d.organisation.contact_phone]))
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = border
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = _("第 &P 页，共 &N 页")
    return save(wb)
