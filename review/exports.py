"""The ranking as an Excel file, from the same query as the page, streamed with openpyxl's write-only mode."""

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.regions import REGION_NAMES

HEADERS = ["方向", "方向内排名", "项目名称", "申报单位", "统一社会信用代码", "所在地区", "推荐单位",
           "评审数", "平均分", "去极值平均分", "标准差", "分歧", "标准化得分(z)", "标准化排名", "拟入选/结果"]


def ranking_rows(rows, threshold):
    for r in rows:
        outcome = ""
        if r.state == "selected":
            outcome = _("入选")
        elif r.state == "not_selected":
            outcome = _("未入选")
        elif getattr(r, "selection", None) is not None:
            outcome = _("拟入选")
        yield [str(r.direction), r.rank, r.project_name, r.organisation.name, r.organisation.credit_code,
               str(REGION_NAMES.get(r.organisation.region, r.organisation.region)), r.unit.name if r.unit_id else "",
               r.n_reviews, r.mean, r.final, r.std_dev,
               _("是") if (r.std_dev is not None and r.std_dev > threshold) else "", r.z_score, r.z_rank, outcome]


def ranking_workbook_response(guide, queryset, threshold):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("评审排名"))
    ws.append([str(guide)])
    ws.append([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    ws.append(HEADERS)
    for row in ranking_rows(queryset, threshold):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ranking-{guide.pk}.xlsx"'
    return response
