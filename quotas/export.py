"""The confirmed recommendation list as an Excel workbook, laid out to print on A4 landscape.

Built by a worker (core.exports) into a file with openpyxl's write-only mode: the layout (merged title rows,
bold bordered header repeated on every printed page, column widths, A4 landscape fitted to the width, page
numbers) is all set before or beside the rows, and each entry's row is written as it is read.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core import spreadsheet
from core.exports import export_builder, start_export

from .models import RecommendationList
from .queries import entries_of, is_exempt

LIST_EXPORT = "quotas_list"
WIDTHS = [6, 36, 30, 22, 26, 24, 10, 12, 10, 14]
A4 = "9"  # openpyxl's Worksheet.PAPERSIZE_A4


def list_filename(rec_list):
    return f"{rec_list.unit.name}-推荐名单-{rec_list.guide.year}.xlsx"


def start_list_export(*, rec_list, user, request=None):
    """Queue the confirmed list's workbook; the user follows the export's page until the file is ready."""
    return start_export(user=user, kind=LIST_EXPORT, action="list.export",
                        params={"list": rec_list.pk, "back": reverse("quotas:list", args=[rec_list.pk]),
                                "back_label": str(_("推荐名单"))},
                        summary=_("下载推荐名单（Excel）：%(u)s") % {"u": rec_list.unit.name}, request=request)


@export_builder(LIST_EXPORT)
def list_workbook(export, out, track):
    rec_list = RecommendationList.objects.select_related("guide", "unit", "confirmed_by").get(
        pk=export.params["list"])
    guide, unit = rec_list.guide, rec_list.unit
    entries = entries_of(rec_list).filter(recommended=True)
    progress = track(entries.count())
    wb, add_sheet = spreadsheet.workbook()
    ws = add_sheet(_("推荐名单"))
    headers = [_("排序"), _("项目名称"), _("申报单位"), _("统一社会信用代码"), _("申报方向"), _("报送单位"),
               _("DCMM 等级"), _("是否占用名额"), _("联系人"), _("联系电话")]
    last = get_column_letter(len(headers))
    # Write-only: widths, merges and page setup are written around the rows, so they are set first.
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.HeaderFooter.oddFooter.center.text = _("第 &P 页，共 &N 页")

    title = _("%(unit)s %(guide)s 推荐名单") % {"unit": unit.name, "guide": guide.title}
    ws.append([spreadsheet.styled(ws, title, font=Font(size=14, bold=True), alignment=Alignment(horizontal="center"))])
    confirmed = timezone.localtime(rec_list.confirmed_at).strftime("%Y-%m-%d %H:%M") if rec_list.confirmed_at else ""
    ws.append([_("文号：%(n)s    确认时间：%(t)s    确认人：%(u)s") % {
        "n": rec_list.document_number, "t": confirmed, "u": rec_list.confirmed_by or ""}])
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([spreadsheet.styled(ws, h, font=Font(bold=True), alignment=head, border=border) for h in headers])
    body = Alignment(vertical="center", wrap_text=True)
    n = 0
    for entry in entries.iterator(chunk_size=500):
        n += 1
        d = entry.declaration
        values = [n, d.project_name, d.organisation.name, d.organisation.credit_code, str(d.direction or ""),
                  d.unit.name if d.unit else "", d.organisation.dcmm_level or _("无"),
                  _("否（DCMM 豁免）") if is_exempt(d, guide) else _("是"), d.organisation.contact_name,
                  d.organisation.contact_phone]
        ws.append([spreadsheet.styled(ws, v, alignment=body, border=border) for v in values])
        progress.step()
    spreadsheet.save_to(wb, out)
    return list_filename(rec_list), n
