"""bench/scale.py's child: every list page of one database (DATABASE_URL), timed and EXPLAINed.

Each page is one URL as one user: the busiest unit, the reviewer with the most tasks, the ministry's admin;
deep pages start from a cursor (or page number) near the end of the list. Median of `renders` renders after
one warm-up, with the empty signed-in page /yardstick/ timed in the same loop (the machine's load cancels
out of page/yardstick). Every SELECT the page ran that reads declarations is EXPLAINed (no ANALYZE).
"""

import math
import os
import re
import statistics
import time


def _setup():
    from _server import server_env, setup_django

    os.environ.update(server_env({"ALLOWED_HOSTS": "testserver"}))
    setup_django()


def catalogue():
    """[(label, user, url)] of the list pages, with the data sizes."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.urls import reverse

    from operations.national import PREFIX, TITLE
    from core.pagination import encode_cursor
    from declarations.models import Declaration, Guide
    from quotas.models import RecommendationList
    from review.models import Assignment
    from review.queries import RANKED_STATES

    User = get_user_model()
    guide = Guide.objects.filter(title=TITLE).order_by("-id").first()
    if guide is None:
        raise SystemExit("no national data in this database")
    g = guide.pk
    admin = User.objects.get(username=f"{PREFIX}admin")
    decls = Declaration.objects.filter(guide=guide)
    unit_id = (decls.exclude(state="draft").values("unit").annotate(n=Count("pk")).order_by("-n")
               .values_list("unit", flat=True)[0])
    clerk = User.objects.filter(username__startswith=PREFIX, unit_id=unit_id).first()
    rl = RecommendationList.objects.get(guide=guide, unit_id=unit_id)
    n_entries = rl.entries.count()
    reviewer_id = (Assignment.objects.filter(declaration__guide=guide, state="active").values("reviewer")
                   .annotate(n=Count("pk")).order_by("-n").values_list("reviewer", flat=True)[0])
    reviewer = User.objects.get(pk=reviewer_id)
    ranked = decls.filter(state__in=RANKED_STATES)
    direction = ranked.values_list("direction", flat=True).order_by("direction").first()
    deep_admin = decls.exclude(state="draft").order_by("-id").values_list("id", flat=True)[60]
    deep_unit = (decls.filter(unit_id=unit_id).exclude(state="draft").order_by("submitted_at", "id")
                 .values_list("submitted_at", "id")[min(60, n_entries)])
    deep_assign = ranked.filter(direction=direction).order_by("-id").values_list("id", flat=True)[10]
    rev = reverse
    sizes = {"declarations": decls.count(), "ranked": ranked.count(), "busiest_unit_rows": n_entries,
             "reviewer_tasks": Assignment.objects.filter(reviewer=reviewer, state="active").count(),
             "reviewers": User.objects.filter(username__startswith=f"{PREFIX}rev_").count()}
    pages = [
        ("管理员申报列表 第1页", admin, rev("operations:declarations") + f"?guide={g}"),
        ("管理员申报列表 末尾深页", admin, rev("operations:declarations") + f"?guide={g}&cursor="
         + encode_cursor("operations.declarations", "a", [deep_admin])),
        ("管理员申报列表 按状态", admin, rev("operations:declarations") + f"?guide={g}&state=recommended"),
        ("管理员申报列表 按方向", admin, rev("operations:declarations") + f"?guide={g}&direction={direction}"),
        ("推荐单位申报列表 第1页（最大单位）", clerk, rev("quotas:workspace") + f"?guide={g}"),
        ("推荐单位申报列表 末尾深页", clerk, rev("quotas:workspace") + f"?guide={g}&cursor="
         + encode_cursor("quotas.workspace", "a", list(deep_unit))),
        ("推荐单位排序页 第1页", clerk, rev("quotas:ranking") + f"?guide={g}"),
        ("推荐单位排序页 末页", clerk, rev("quotas:ranking") + f"?guide={g}&page={max(1, math.ceil(n_entries / 100))}"),
        ("推荐名单详情（管理员）末页", admin, rev("quotas:list", args=[rl.pk])
         + f"?page={max(1, math.ceil(n_entries / 100))}"),
        ("管理员评审排名 单方向", admin, rev("review:ranking", args=[g]) + f"?direction={direction}"),
        ("管理员评审排名 全部方向", admin, rev("review:ranking", args=[g])),
        ("分配情况 单方向 第1页", admin, rev("review:assignments", args=[g]) + f"?direction={direction}"),
        ("分配情况 单方向 末尾深页", admin, rev("review:assignments", args=[g]) + f"?direction={direction}&cursor="
         + encode_cursor("review.assignments", "a", [deep_assign])),
        ("专家任务列表 第1页（任务最多者）", reviewer, rev("review:queue")),
        ("专家任务列表 待评分", reviewer, rev("review:queue") + "?status=todo"),
        ("管理员名额总览", admin, rev("quotas:overview") + f"?guide={g}"),
        ("管理员统计看板", admin, rev("operations:dashboard") + f"?guide={g}"),
        ("审计日志", admin, rev("core:audit_log")),
        ("站内通知", reviewer, rev("core:inbox")),
        ("公开名单（公示）", None, rev("review:results_guide", args=[g])),
    ]
    return sizes, pages


def _explain(sql_list):
    """Plans of the SELECTs that read declarations; the ones with a Seq Scan on it."""
    from django.db import connection

    seq = []
    with connection.cursor() as cursor:
        for sql in sql_list:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "declarations_declaration" not in sql:
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if re.search(r"Seq Scan on declarations_declaration\b", plan):
                seq.append(sql[:300])
    return seq


def measure_all(renders, only=""):
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    sizes, pages = catalogue()
    pages = [page for page in pages if only in page[0]]
    yard = reverse("yardstick")
    clients = {}

    def client_for(user):
        key = user.pk if user else None
        if key not in clients:
            clients[key] = Client()
            if user:
                clients[key].force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return clients[key]

    def timed(c, url):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = c.get(url)
            ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return ms, [q["sql"] for q in ctx.captured_queries], len(response.content)

    out = {"sizes": sizes, "pages": {}}
    for label, user, url in pages:
        c = client_for(user)
        yard_client = c if user else client_for(pages[0][1])
        timed(c, url)  # warm-up
        times, yards = [], []
        for _i in range(renders):
            ms, sql, size = timed(c, url)
            times.append(ms)
            yards.append(timed(yard_client, yard)[0])
        out["pages"][label] = {"url": url, "ms": statistics.median(times), "yard": statistics.median(yards),
                               "queries": len(sql), "kb": size / 1024, "seq": _explain(sql)}
    return out
