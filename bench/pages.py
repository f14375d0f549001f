"""Load the main page of each role with concurrent clients (wrk) and compare with a minimal view.

Usage (after `manage.py generate_national`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/pages.py [--seconds 10]

Prints requests/s, median and p99 latency per page, and each page's throughput as a
ratio of the minimal view (/ping/) served by the same server in the same run.
"""

import argparse
import re
import shutil
import subprocess
import sys

from _server import Gunicorn, machine, session_cookie, setup_django

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        lat[pct] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return rps, lat.get("50"), lat.get("99"), int(errors.group(1)) if errors else 0, socket_errors


def run_wrk(url, cookie, seconds, connections):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def pages():
    """(label, path, user) for the main page of each role, chosen from the generated data."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from declarations.models import Declaration, Guide

    User = get_user_model()
    guide = Guide.objects.filter(title__contains="全国规模").order_by("-id").first() or Guide.objects.first()
    decl = Declaration.objects.filter(guide=guide, state="draft").select_related("organisation").first()
    applicant = User.objects.filter(organisation=decl.organisation).first()
    unit_user = User.objects.filter(role="unit", unit__parent__isnull=True).order_by("id").first()
    reviewer = User.objects.filter(role="reviewer").order_by("id").first()
    admin = User.objects.filter(role="admin").first() or User.objects.filter(is_superuser=True).first()
    out = [
        ("最小视图 /ping/", "/ping/", None),
        ("申报单位首页", reverse("declarations:dashboard"), applicant),
        ("申报书填写页", reverse("declarations:edit", args=[decl.pk]), applicant),
        ("推荐单位申报列表", reverse("quotas:workspace"), unit_user),
        ("专家评审任务", reverse("review:queue"), reviewer),
    ]
    try:
        out.append(("管理员排名（全部）", reverse("review:ranking", args=[guide.pk]) + "?all=1", admin))
    except Exception:  # noqa: BLE001 - the URL name belongs to the review app
        out.append(("管理员排名（全部）", reverse("review:ranking") + f"?guide={guide.pk}&all=1", admin))
    try:
        out.append(("公开名单", reverse("review:results_guide", args=[guide.pk]), None))
    except Exception:  # noqa: BLE001
        pass
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    setup_django()
    targets = [(label, path, session_cookie(user) if user else "x=1") for label, path, user in pages()]
    print(f"机器: {machine()}")
    print(f"命令: wrk -t2 -c{args.connections} -d{args.seconds}s, gunicorn 4 workers x 4 threads, PostgreSQL")
    with Gunicorn() as server:
        results = []
        for label, path, cookie in targets:
            rps, p50, p99, bad, sock = run_wrk(server.url + path, cookie, args.seconds, args.connections)
            results.append((label, path, rps, p50, p99, bad))
    base = results[0][2]
    print(f"| 页面 | 路径 | 请求/秒 | 中位数 ms | p99 ms | 相对最小视图 | 非 2xx/3xx |")
    print("|---|---|---|---|---|---|---|")
    for label, path, rps, p50, p99, bad in results:
        print(f"| {label} | `{path}` | {rps:.0f} | {p50:.1f} | {p99:.1f} | {rps / base:.2f} | {bad} |")


if __name__ == "__main__":
    main()
