"""Deadline surge: N applicants autosave their drafts concurrently for S seconds.

Usage (after `manage.py generate_national`, PostgreSQL):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/surge.py --clients 200 --seconds 60

Each client is one applicant with its own draft of the national guide. It opens the
edit page like a browser (session cookie, CSRF token, every field of the form), then
autosaves in a loop the way static/js/autosave.js does: the whole form, with the
version the server last returned, changing the project name and summary each time,
waiting --think seconds between saves (the page saves 1.2 s after the last keystroke).
Afterwards the database is checked: each draft's version must have grown by exactly
the number of saves the server acknowledged (no lost or phantom save), and the stored
project name must be the last one acknowledged. Prints errors, lost saves, requests/s,
median and p99 latency.
"""

import argparse
import http.client
import json
import random
import re
import statistics
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from html.parser import HTMLParser

from _server import Gunicorn, machine, session_cookie, setup_django

STALE_CONNECTION = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


class FormFields(HTMLParser):
    """The fields a browser would post from <form id="declaration-form"> (FormData semantics)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None
        self._select_options, self._select_chosen = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._select_options, self._select_chosen = (name, "multiple" in a), [], []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._select_options.append(value)
            if "selected" in a:
                self._select_chosen.append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = self._select_chosen or ([] if multiple else self._select_options[:1])
            self.fields.extend((name, v) for v in chosen)
            self._select = None


class Client(threading.Thread):
    """One applicant: opens its edit page, waits for everyone (the barrier), then autosaves until the clock stops."""

    def __init__(self, port, cookie, decl_id, clock, think):
        super().__init__(daemon=True)
        self.port, self.cookie, self.decl_id, self.clock, self.think = port, cookie, decl_id, clock, think
        self.latencies, self.errors, self.saves, self.conflicts = [], [], 0, 0
        self.last_text, self.version, self.start_version = None, None, None
        self.reconnects = 0

    def _post(self, conn, body, cookie):
        conn.request("POST", f"/applicant/declarations/{self.decl_id}/autosave/", body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
            "X-Requested-With": "XMLHttpRequest"})
        resp = conn.getresponse()
        return resp, resp.read()

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def run(self):
        conn = self._connect()
        try:
            conn.request("GET", f"/applicant/declarations/{self.decl_id}/edit/", headers={"Cookie": self.cookie})
            resp = conn.getresponse()
            page = resp.read().decode()
            if resp.status != 200:
                self.errors.append(f"edit page HTTP {resp.status}")
                return
            m = re.search(r"csrftoken=([^;]+)", resp.getheader("Set-Cookie", "") or "")
            cookie = self.cookie + (f"; csrftoken={m.group(1)}" if m else "")
            parser = FormFields("declaration-form")
            parser.feed(page)
            fields = [(k, v) for k, v in parser.fields if k not in ("project_name", "summary", "version")]
            self.version = self.start_version = int(dict(parser.fields)["version"])
        except Exception as e:  # noqa: BLE001 - counted as an error, the run goes on
            self.errors.append(f"edit page: {e!r}")
            return
        finally:
            self.clock["barrier"].wait()
        # Typists do not start in step: spread the first saves over one think time.
        time.sleep(random.uniform(0, self.think))
        conn.close()
        conn = self._connect()  # the page's keep-alive connection has idled at the barrier
        n = 0
        while time.time() < self.clock["stop_at"]:
            n += 1
            text = f"高峰自动保存第{n}次-{self.decl_id}"
            body = urllib.parse.urlencode(fields + [("version", self.version), ("project_name", text),
                                                    ("summary", f"{text}：项目简介正在填写。" * 5)])
            start = time.perf_counter()
            try:
                resp, data = self._post(conn, body, cookie)
            except STALE_CONNECTION:
                # The server closed an idle keep-alive connection; a browser reconnects and sends again.
                self.reconnects += 1
                conn.close()
                conn = self._connect()
                try:
                    resp, data = self._post(conn, body, cookie)
                except Exception as e:  # noqa: BLE001
                    self.errors.append(f"save: {e!r}")
                    conn.close()
                    conn = self._connect()
                    continue
            except Exception as e:  # noqa: BLE001
                self.errors.append(f"save: {e!r}")
                conn.close()
                conn = self._connect()
                continue
            self.latencies.append((time.perf_counter() - start) * 1000)
            if resp.status == 200:
                self.version = json.loads(data)["version"]
                self.saves += 1
                self.last_text = text
            elif resp.status == 409:
                self.conflicts += 1
            else:
                self.errors.append(f"save HTTP {resp.status}: {data[:200]!r}")
            if self.think:
                time.sleep(self.think)
        conn.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.2, help="seconds between a client's saves (autosave.js: 1.2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="gunicorn threads per worker")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone as djtz

    from declarations.models import Declaration
    from operations.national import PREFIX, TITLE

    User = get_user_model()
    drafts = list(Declaration.objects.filter(guide__title=TITLE, state="draft",
                                             guide__applicant_deadline__gt=djtz.now(),
                                             organisation__users__username__startswith=PREFIX)
                  .order_by("pk")[: args.clients])
    if len(drafts) < args.clients:
        raise SystemExit(f"only {len(drafts)} drafts; run manage.py generate_national first (same DATABASE_URL)")
    users = {u.organisation_id: u for u in User.objects.filter(organisation__in=[d.organisation_id for d in drafts])}
    cookies = {d.pk: session_cookie(users[d.organisation_id]) for d in drafts}
    connection.close()
    started = datetime.now(timezone.utc)
    print(f"日期: {started:%Y-%m-%d %H:%M} UTC；开始时负载 {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(f"机器: {machine()}")
    print(f"数据库: PostgreSQL（{connection.settings_dict['NAME']}）；服务: gunicorn {args.workers} workers × "
          f"{args.worker_threads} threads (gthread), 127.0.0.1")
    print(f"命令: bench/surge.py --clients {args.clients} --seconds {args.seconds} --think {args.think}")
    with Gunicorn(workers=args.workers, threads=args.worker_threads) as server:
        # Everyone opens the edit page first; the 60 s of autosaving start when all pages are open.
        clock = {"barrier": threading.Barrier(len(drafts) + 1), "stop_at": float("inf")}
        clients = [Client(server.port, cookies[d.pk], d.pk, clock, args.think) for d in drafts]
        t_open = time.time()
        for c in clients:
            c.start()
        clock["barrier"].wait()
        opened = time.time() - t_open
        t0 = time.time()
        clock["stop_at"] = t0 + args.seconds
        for c in clients:
            c.join(args.seconds + 180)
        elapsed = time.time() - t0
    print(f"结束时负载 {' '.join(open('/proc/loadavg').read().split()[:3])}")
    stored = {d.pk: d for d in Declaration.objects.filter(pk__in=[c.decl_id for c in clients])}
    lost, wrong_text, unchecked = [], [], 0
    for c in clients:
        d = stored[c.decl_id]
        if c.start_version is None:
            unchecked += 1
            continue
        if d.version - c.start_version != c.saves:
            lost.append((c.decl_id, c.start_version, c.saves, d.version))
        if c.last_text and d.project_name != c.last_text:
            wrong_text.append(c.decl_id)
    lat = sorted(x for c in clients for x in c.latencies)
    errors = [e for c in clients for e in c.errors]
    total = len(lat)
    print(f"客户端 {len(clients)} 个，{len(clients)} 个填写页全部打开用时 {opened:.1f} 秒；"
          f"自动保存持续 {args.seconds} 秒（含收尾共 {elapsed:.0f} 秒）")
    print(f"保存请求 {total} 次，成功 {sum(c.saves for c in clients)}，冲突 {sum(c.conflicts for c in clients)}，"
          f"错误 {len(errors)}，空闲连接被关闭后重连 {sum(c.reconnects for c in clients)} 次")
    for e in errors[:5]:
        print(f"  错误示例: {e}")
    print(f"丢失的保存（数据库版本增量 ≠ 成功次数）: {len(lost)}；最后内容不符: {len(wrong_text)}；"
          f"未能打开页面的客户端: {unchecked}")
    for item in lost[:5]:
        print(f"  不符: 申报 {item[0]} 起始版本 {item[1]} 成功 {item[2]} 次，数据库版本 {item[3]}")
    if total:
        print(f"吞吐 {total / args.seconds:.0f} 次保存/秒，中位数 {statistics.median(lat):.1f} ms，"
              f"p99 {percentile(lat, 99):.1f} ms，最大 {lat[-1]:.1f} ms")
    ok = not errors and not lost and not wrong_text and not unchecked
    print("结论: " + ("零错误、零丢失" if ok else "有错误或丢失，见上"))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
