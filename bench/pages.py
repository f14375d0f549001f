"""Load the main page of each role with concurrent clients (wrk) and compare with a minimal view.

Usage (after `manage.py generate_national`, PostgreSQL):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/pages.py [--seconds 10]

Starts gunicorn on 127.0.0.1, checks that every page answers 200 for its user (a
redirect to the login page would otherwise look like a fast page), then runs wrk on
each in turn. Prints requests/s, median and p99 latency per page, and each page's
throughput as a ratio of the minimal view (/ping/) served by the same server in the
same run, with the targets: admin ranking p99 < 300 ms, single-object pages at least
0.5x the minimal view's throughput.
"""

import argparse
import http.client
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone

from _server import Gunicorn, machine, session_cookie, setup_django

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
RANKING_P99_MS = 300
SINGLE_RATIO = 0.5


def parse_wrk(output):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        lat[pct] = float(value) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {"rps": rps, "p50": lat.get("50", 0.0), "p99": lat.get("99", 0.0), "bad": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0,
            "requests": int(total.group(1)) if total else 0}


def run_wrk(url, cookie, seconds, connections, threads):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-H", f"Cookie: {cookie}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def status_of(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, len(body)


def pages():
    """(label, kind, path, user): the main pages of each role, chosen from the generated national data.

    kind: "base" (the minimal view), "single" (one object: target ≥ 0.5x base throughput),
    "ranking" (target p99 < 300 ms) or "list".
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from django.urls import reverse

    from core.national import PREFIX, TITLE
    from declarations.models import Declaration, Guide
    from quotas.models import Unit
    from review.models import Assignment

    User = get_user_model()
    guide = Guide.objects.filter(title=TITLE).order_by("-id").first()
    if guide is None:
        raise SystemExit("no national data: run manage.py generate_national first (same DATABASE_URL)")
    g = guide.pk
    draft = (Declaration.objects.filter(guide=guide, state="draft", organisation__users__username__startswith=PREFIX)
             .order_by("pk").first())
    applicant = User.objects.filter(organisation=draft.organisation_id).first()
    busiest = (Unit.objects.annotate(n=Count("declarations", filter=Q(declarations__guide=guide)
                                            & ~Q(declarations__state="draft"))).order_by("-n").first())
    unit_user = User.objects.filter(unit=busiest, username__startswith=PREFIX).first()
    unit_decl = Declaration.objects.filter(guide=guide, unit=busiest).exclude(state="draft").order_by("pk").first()
    reviewer_id = (Assignment.objects.filter(declaration__guide=guide, reviewer__username__startswith=PREFIX)
                   .values("reviewer").annotate(n=Count("pk")).order_by("-n", "reviewer")[0]["reviewer"])
    reviewer = User.objects.get(pk=reviewer_id)
    assignment = Assignment.objects.filter(reviewer=reviewer, declaration__guide=guide).order_by("pk").first()
    admin = User.objects.get(username=f"{PREFIX}admin")
    n_ranked = Declaration.objects.filter(guide=guide, state__in=["recommended", "selected", "not_selected"]).count()
    return [
        ("最小视图 /ping/", "base", "/ping/", None),
        ("申报单位首页", "list", reverse("declarations:dashboard"), applicant),
        ("申报书填写页", "single", reverse("declarations:edit", args=[draft.pk]), applicant),
        ("申报详情页", "single", reverse("declarations:detail", args=[draft.pk]), applicant),
        (f"推荐单位申报列表（{busiest.name}）", "list", reverse("quotas:workspace") + f"?guide={g}", unit_user),
        ("推荐单位排序页", "list", reverse("quotas:ranking") + f"?guide={g}", unit_user),
        ("推荐单位审查详情", "single", reverse("quotas:declaration", args=[unit_decl.pk]), unit_user),
        ("专家评审任务列表", "list", reverse("review:queue"), reviewer),
        ("专家评分页", "single", reverse("review:score", args=[assignment.pk]), reviewer),
        ("管理员申报总表（5000 项分页）", "list", reverse("core:declarations") + f"?guide={g}", admin),
        ("管理员名额总览", "list", reverse("quotas:overview") + f"?guide={g}", admin),
        ("管理员统计首页", "list", reverse("core:dashboard") + f"?guide={g}", admin),
        ("公开名单（公示）", "list", reverse("review:results_guide", args=[g]), None),
        # Last: if it is slow, its queued requests must not spill into another page's figures.
        (f"管理员评审排名（全部 {n_ranked} 个推荐项目）", "ranking", reverse("review:ranking", args=[g]), admin),
        # The same page at the concurrency a ministry really has (a few admins at once), for the p99 target.
        (f"管理员评审排名（同上，2 个并发）", "ranking", reverse("review:ranking", args=[g]), admin, 2),
    ]


def verdict(kind, r, base_rps):
    if kind in ("ranking", "single") and (r["requests"] == 0 or r["socket_errors"] or r["bad"]):
        return "未达标（超时或出错）"
    if kind == "ranking":
        return "达标" if r["p99"] is not None and r["p99"] < RANKING_P99_MS else f"未达标（p99 ≥ {RANKING_P99_MS} ms）"
    if kind == "single":
        return "达标" if r["rps"] >= SINGLE_RATIO * base_rps else f"未达标（< {SINGLE_RATIO}×）"
    return ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--only", help="run only pages whose label contains this text (plus /ping/)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    setup_django()
    from django.db import connection

    targets = [(label, kind, path, session_cookie(user) if user else "x=1", conns[0] if conns else args.connections)
               for label, kind, path, user, *conns in pages()
               if not args.only or kind == "base" or args.only in label]
    connection.close()
    started = datetime.now(timezone.utc)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"日期: {started:%Y-%m-%d %H:%M} UTC；开始时负载 {' '.join(load)}")
    print(f"机器: {machine()}")
    print(f"数据库: PostgreSQL（{connection.settings_dict['NAME']}）")
    print(f"服务: gunicorn {args.workers} workers × {args.worker_threads} threads (gthread), 127.0.0.1")
    print(f"负载: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency，每页依次运行")
    results = []
    with Gunicorn(workers=args.workers, threads=args.worker_threads) as server:
        for label, kind, path, cookie, connections in targets:
            status, size = status_of(server.port, path, cookie)
            if status != 200:
                print(f"!! {label} {path}: HTTP {status}，跳过")
                results.append((label, kind, path, None, status, size))
                continue
            r = run_wrk(server.url + path, cookie, args.seconds, connections, min(args.threads, connections))
            r["connections"] = connections
            results.append((label, kind, path, r, status, size))
            print(f"   {label}: {r['rps']:.0f} 请求/秒, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms", flush=True)
            time.sleep(1)
    end_load = open("/proc/loadavg").read().split()[:3]
    print(f"结束时负载 {' '.join(end_load)}")
    base = results[0][3]["rps"]
    print()
    print("| 页面 | 路径 | 页面大小 | 并发 | 请求/秒 | 中位数 ms | p99 ms | 相对 /ping/ | 错误 | 目标 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, kind, path, r, status, size in results:
        if r is None:
            print(f"| {label} | `{path}` | — | — | — | — | — | — | HTTP {status} | 未运行 |")
            continue
        errors = r["bad"] + r["socket_errors"]
        print(f"| {label} | `{path}` | {size / 1024:.0f} KB | {r['connections']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
              f"{r['rps'] / base:.2f} | {errors} | {verdict(kind, r, base)} |")


if __name__ == "__main__":
    main()
