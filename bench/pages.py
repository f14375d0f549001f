"""The main page of each role, rendered on every request, measured two ways.

Usage (after `manage.py generate_national`, PostgreSQL; the load mode writes to the database, so use a copy,
and REDIS_URL=redis://127.0.0.1:6379/<n> to keep the server's cache apart from others' — default db 2):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/pages.py --in-process
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/pages.py [--seconds 10]

--in-process: Django's test client in this process, each page over its sessions (a different user and object
per request), median of 30 renders after a warm-up round, as a multiple of the empty signed-in page
(`/yardstick/`, base.html) timed in the same loop. Stable on a shared machine: use it for decisions.
Targets: single-object pages ≤ 3×, list pages ≤ 5×, the admin ranking ≤ 15×.

Default (under load): gunicorn as in production; for each page wrk runs 20 connections whose requests rotate
over the page's sessions (a Lua script: each request another user's session cookie and path; at least 100
users across the pages), while a background thread posts autosaves and score drafts at a steady rate. /ping/ is
measured first under the same background writes. Targets: single-object pages ≥ 0.07× /ping/'s throughput,
admin ranking p99 < 300 ms. Both modes print the load average and each target as met (达标) or missed (未达标).
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from _catalog import RANKING, SINGLE, catalogue
from _server import Gunicorn, machine, server_env, session_cookie, setup_django

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
RANKING_P99_MS = 300
SINGLE_RATIO = 0.07


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


LUA = """-- Each request: the next (path, cookie) of the page's sessions; each wrk thread starts elsewhere.
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local n = #paths
local k = 0
function setup(thread) thread:set("offset", k); k = k + 1 end
function init(args) i = (offset * 7) %% n end
function request()
  i = i %% n + 1
  return wrk.format("GET", paths[i], {["Cookie"] = cookies[i]})
end
"""


def _lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(url, sessions, seconds, connections, threads):
    """wrk on `url` (the server) rotating over `sessions` [(path, cookie)]."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % {"paths": ", ".join(_lua_string(p) for p, _c in sessions),
                       "cookies": ", ".join(_lua_string(c) for _p, c in sessions)})
    try:
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
               "-s", f.name, url]
        return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    finally:
        os.unlink(f.name)


def status_of(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, len(body)


def in_process(args):
    os.environ.update(server_env({"ALLOWED_HOSTS": "testserver"}))
    setup_django()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))), env=os.environ, check=True)
    import _inprocess
    from django.db import connection

    _guide, pages = catalogue(args.sessions)
    pages = [p for p in pages if not args.only or any(o in p.label for o in args.only.split(","))]
    header(connection, f"进程内（Django test client），每页 {args.renders} 次渲染的中位数（先预热一轮），"
                       f"与空白登录页 /yardstick/ 交替计时")
    rows = _inprocess.run(pages, args.renders)
    print(f"结束时负载 {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print()
    print(_inprocess.table(rows))
    return all(met for *_x, met in rows)


def header(connection, how):
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"日期: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC；开始时负载 {load}")
    print(f"机器: {machine()}")
    print(f"数据库: PostgreSQL（{connection.settings_dict['NAME']}）；整页缓存：无（每个请求都渲染）")
    print(f"方法: {how}")


def verdict(kind, r, base_rps):
    if kind in (RANKING, SINGLE) and (r["requests"] == 0 or r["socket_errors"] or r["bad"]):
        return "未达标（超时或出错）"
    if r["requests"] == 0:  # no request finished within --seconds: its 0 ms are no figure
        return "未测得（时限内无完成的请求）"
    if kind == RANKING:
        return "达标" if r["p99"] < RANKING_P99_MS else f"未达标（p99 ≥ {RANKING_P99_MS} ms）"
    if kind == SINGLE:
        return "达标" if r["rps"] >= SINGLE_RATIO * base_rps else f"未达标（< {SINGLE_RATIO}×）"
    return ""


def under_load(args):
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    setup_django()
    from django.db import connection

    from _writers import Writers

    _guide, pages = catalogue(args.sessions)
    pages = [p for p in pages if not args.only or any(o in p.label for o in args.only.split(","))]
    cookies = {}

    def cookie(user):
        if user is None:
            return "x=1"
        if user.pk not in cookies:  # one browser per user: their session and CSRF cookie
            cookies[user.pk] = session_cookie(user)
        return cookies[user.pk]

    targets = [(p.label, p.kind, [(path, cookie(u)) for path, u in p.sessions]) for p in pages]
    users = len({k for k in cookies})
    writers = Writers.prepare(args.autosaves, args.score_saves, cookie)
    connection.close()
    header(connection, f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency，每页依次运行；"
                       f"每个请求轮换到该页的下一个会话（共 {users} 个用户的会话）；同时后台每秒 {args.autosaves} 次自动保存、"
                       f"{args.score_saves} 次评分草稿保存")
    print(f"服务: gunicorn {args.workers} workers × {args.worker_threads} threads (gthread), 127.0.0.1")
    results = []
    with Gunicorn(workers=args.workers, threads=args.worker_threads) as server:
        bad = check_sessions(server.port, targets)
        writers.start(server.port)
        try:
            for label, kind, sessions in [("最小视图 /ping/", "base", [("/ping/", "x=1")])] + targets:
                if label in bad:
                    print(f"!! {label}: {bad[label]}，跳过")
                    results.append((label, kind, sessions, None, 0))
                    continue
                size = status_of(server.port, sessions[0][0], sessions[0][1])[1]
                r = run_wrk(server.url, sessions, args.seconds, args.connections, args.threads)
                results.append((label, kind, sessions, r, size))
                print(f"   {label}: {r['rps']:.0f} 请求/秒, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms", flush=True)
                time.sleep(1)
        finally:
            writers.stop()
    print(f"结束时负载 {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(writers.summary())
    base = results[0][3]["rps"]
    print()
    print("| 页面 | 路径（第一个会话） | 会话数 | 页面大小 | 并发 | 请求/秒 | 中位数 ms | p99 ms | 相对 /ping/ | 错误 | 目标 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    met = True
    for label, kind, sessions, r, size in results:
        if r is None:
            print(f"| {label} | `{sessions[0][0]}` | {len(sessions)} | — | — | — | — | — | — | — | 未运行 |")
            met = False
            continue
        v = verdict(kind, r, base)
        met = met and not v.startswith("未")
        print(f"| {label} | `{sessions[0][0]}` | {len({c for _p, c in sessions})} | {size / 1024:.0f} KB | "
              f"{args.connections} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps'] / base:.3f} | "
              f"{r['bad'] + r['socket_errors']} | {v} |")
    return met


def check_sessions(port, targets):
    """Every session's page must answer 200 (wrk counts a redirect to the login page as a success)."""
    bad = {}

    def check(item):
        label, path, c = item
        status, _size = status_of(port, path, c)
        return label, path, status

    items = [(label, path, c) for label, _k, sessions in targets for path, c in dict.fromkeys(sessions)]
    with ThreadPoolExecutor(4) as pool:
        for label, path, status in pool.map(check, items):
            if status != 200 and label not in bad:
                bad[label] = f"{path}: HTTP {status}"
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--in-process", action="store_true", help="time renders with the test client (stable)")
    parser.add_argument("--renders", type=int, default=30, help="in-process: timed renders per page")
    parser.add_argument("--sessions", type=int, default=60, help="sessions (users/objects) per single-object page")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--autosaves", type=float, default=4.0, help="background autosaves per second")
    parser.add_argument("--score-saves", type=float, default=1.0, help="background score drafts per second")
    parser.add_argument("--only", help="run only pages whose label contains this text (several: comma-separated)")
    args = parser.parse_args()
    met = in_process(args) if args.in_process else under_load(args)
    print()
    print("全部目标达标" if met else "有未达标的目标（见上表）")


if __name__ == "__main__":
    main()
