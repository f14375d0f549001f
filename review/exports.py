"""The ranking as an Excel file, from the same query as the page, streamed with openpyxl's write-only mode.

Rows are read direction by direction and a few hundred at a time (review.queries.ranking_in_chunks) and written
as they come: the worker never holds the whole ranking."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core import spreadsheet
from core.exports import export_builder, start_export
from core.regions import REGION_NAMES
from declarations.models import Guide

from .queries import ranked_declarations, ranking_filters, ranking_in_chunks
from .setup import settings_for

RANKING_EXPORT = "review_ranking"
CHUNK_SIZE = 500  # declarations loaded per query while writing the file

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


def start_ranking_export(*, guide, query, user, request=None):
    """Queue the ranking of `guide` (with the page's filters in `query`) as an Excel workbook."""
    from django.urls import reverse

    back = reverse("review:ranking", args=[guide.pk]) + (f"?{query}" if query else "")
    return start_export(user=user, kind=RANKING_EXPORT, action="review.export_ranking",
                        params={"guide": guide.pk, "query": query[:2000], "back": back,
                                "back_label": str(_("评审排名"))},
                        summary=_("导出评审排名（Excel）：%(g)s") % {"g": guide}, request=request)


@export_builder(RANKING_EXPORT)
def ranking_workbook(export, out, track):
    """Built by a worker from the same query as the ranking page."""
    from django.http import QueryDict

    guide = Guide.objects.get(pk=export.params["guide"])
    filters, order = ranking_filters(QueryDict(export.params.get("query", "")), guide)
    progress = track(ranked_declarations(guide, **filters).count())
    wb, add_sheet = spreadsheet.workbook()
    ws = add_sheet(_("评审排名"))
    ws.append([str(guide)])
    ws.append([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    ws.append(HEADERS)
    threshold = float(settings_for(guide).disagreement_threshold)
    n = 0
    for rows in ranking_in_chunks(guide, order=order, chunk_size=CHUNK_SIZE, **filters):
        for row in ranking_rows(rows, threshold):
            ws.append(row)
            n += 1
            progress.step()
    spreadsheet.save_to(wb, out)
    return f"ranking-{guide.pk}-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.xlsx", n
