"""In-process page timings with Django's test client: stable on a shared, noisy machine.

Each page is rendered over its sessions in turn (a different user and object each time, as real traffic
is): one round to warm per-process caches, then `renders` timed requests; the median is compared with the
median of the yardstick, an empty signed-in page on base.html (`/yardstick/`) rendered for the same users
in the same loop, so the machine's load cancels out of the ratio.
"""

import statistics
import time

from _catalog import LIST, RANKING, SINGLE

TARGET = {SINGLE: 3.0, LIST: 5.0, RANKING: 15.0}


def _clients(sessions):
    from django.test import Client

    clients = {}
    for _path, user in sessions:
        key = user.pk if user else None
        if key not in clients:
            c = Client()
            if user:
                c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            clients[key] = c
    return clients


def _timed(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} (expected 200)")
    return elapsed * 1000, len(ctx.captured_queries), len(response.content)


def measure(page, renders=30):
    """(median ms, yardstick median ms, queries, KB) of `page`, yardstick interleaved request by request."""
    from django.urls import reverse

    yard = reverse("yardstick")
    sessions = page.sessions
    clients = _clients(sessions)
    for path, user in sessions[:renders]:  # warm-up round
        c = clients[user.pk if user else None]
        _timed(c, path)
        if user:
            _timed(c, yard)
    times, yard_times, queries, size = [], [], [], 0
    for i in range(renders):
        path, user = sessions[i % len(sessions)]
        c = clients[user.pk if user else None]
        ms, q, size = _timed(c, path)
        times.append(ms)
        queries.append(q)
        # Anonymous pages (the public list) are compared with a signed-in yardstick of the admin's.
        yard_client = c if user else next(iter(v for k, v in clients.items() if k), None)
        if yard_client is None:
            yard_client = _anyone_client()
        yard_times.append(_timed(yard_client, yard)[0])
    return statistics.median(times), statistics.median(yard_times), max(queries), size / 1024


_ANYONE = []


def _anyone_client():
    if not _ANYONE:
        from django.contrib.auth import get_user_model

        from operations.national import PREFIX

        _ANYONE.extend(_clients([(None, get_user_model().objects.get(username=f"{PREFIX}admin"))]).values())
    return _ANYONE[0]


def run(pages, renders=30):
    rows = []
    for page in pages:
        ms, yard_ms, queries, kb = measure(page, renders)
        ratio = ms / yard_ms
        met = ratio <= TARGET[page.kind]
        rows.append((page, ms, yard_ms, ratio, queries, kb, met))
        print(f"   {page.label}: {ms:.1f} ms（空白页 {yard_ms:.1f} ms）= {ratio:.1f}×，{queries} 查询", flush=True)
    return rows


def table(rows, sessions_note=""):
    lines = ["| 页面 | 类型 | 路径（第一个会话） | 会话数 | 页面大小 | 查询数 | 中位数 ms | 空白页 ms | 倍数 | 目标 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    names = {SINGLE: "单对象", LIST: "列表", RANKING: "排名"}
    for page, ms, yard_ms, ratio, queries, kb, met in rows:
        verdict = ("达标" if met else "未达标") + f"（≤ {TARGET[page.kind]:g}×）"
        lines.append(f"| {page.label} | {names[page.kind]} | `{page.path}` | {len({u for _p, u in page.sessions})} | "
                     f"{kb:.0f} KB | {queries} | {ms:.1f} | {yard_ms:.1f} | {ratio:.2f} | {verdict} |")
    return "\n".join(lines)
