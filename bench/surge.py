"""Deadline surge: N applicants autosave their drafts concurrently for S seconds.

Usage (after `manage.py generate_national`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_bench .venv/bin/python bench/surge.py --clients 200 --seconds 60

Each client owns one draft and saves it in a loop with the version the server last
returned, like the autosave script in the page. Afterwards the database is checked:
every successful save must be there (the version count) and the last saved text
must be the one stored. Prints errors, lost saves, requests/s, median and p99.
"""

import argparse
import http.client
import re
import statistics
import threading
import time
import urllib.parse

from _server import Gunicorn, machine, session_cookie, setup_django


class Client(threading.Thread):
    def __init__(self, port, cookie, decl_id, version, stop_at):
        super().__init__(daemon=True)
        self.port, self.cookie, self.decl_id, self.version, self.stop_at = port, cookie, decl_id, version, stop_at
        self.latencies, self.errors, self.saves, self.last_text, self.conflicts = [], 0, 0, None, 0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie}
        try:
            conn.request("GET", f"/applicant/declarations/{self.decl_id}/edit/", headers=headers)
            resp = conn.getresponse()
            page = resp.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            csrf_cookie = resp.getheader("Set-Cookie", "")
            m = re.search(r"csrftoken=([^;]+)", csrf_cookie)
            cookie = self.cookie + (f"; csrftoken={m.group(1)}" if m else "")
        except Exception:  # noqa: BLE001 - counted as an error, the run goes on
            self.errors += 1
            return
        n = 0
        while time.time() < self.stop_at:
            n += 1
            text = f"高峰自动保存 第{n}次 {self.decl_id}"
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "version": self.version,
                                           "project_name": text, "summary": text * 5})
            start = time.perf_counter()
            try:
                conn.request("POST", f"/applicant/declarations/{self.decl_id}/autosave/", body=body, headers={
                    "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://127.0.0.1:{self.port}/", "X-Requested-With": "XMLHttpRequest"})
                resp = conn.getresponse()
                data = resp.read()
            except Exception:  # noqa: BLE001
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            self.latencies.append((time.perf_counter() - start) * 1000)
            if resp.status == 200:
                import json

                self.version = json.loads(data)["version"]
                self.saves += 1
                self.last_text = text
            elif resp.status == 409:
                self.conflicts += 1
            else:
                self.errors += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model

    from declarations.models import Declaration

    User = get_user_model()
    drafts = list(Declaration.objects.filter(state="draft", guide__applicant_deadline__isnull=False)
                  .select_related("organisation").order_by("id")[: args.clients])
    if len(drafts) < args.clients:
        raise SystemExit(f"only {len(drafts)} drafts; run manage.py generate_national first")
    users = {u.organisation_id: u for u in User.objects.filter(organisation__in=[d.organisation for d in drafts])}
    start_versions = {d.pk: d.version for d in drafts}
    print(f"机器: {machine()}")
    print(f"命令: bench/surge.py --clients {args.clients} --seconds {args.seconds}（gunicorn 4 workers x 4 threads, PostgreSQL）")
    with Gunicorn() as server:
        stop_at = time.time() + args.seconds
        clients = [Client(server.port, session_cookie(users[d.organisation_id]), d.pk, d.version, stop_at)
                   for d in drafts]
        t0 = time.time()
        for c in clients:
            c.start()
        for c in clients:
            c.join(args.seconds + 120)
        elapsed = time.time() - t0
    lost = 0
    wrong_text = 0
    for c in clients:
        d = Declaration.objects.get(pk=c.decl_id)
        if d.version - start_versions[c.decl_id] != c.saves:
            lost += 1
        if c.last_text and d.project_name != c.last_text:
            wrong_text += 1
    lat = sorted(x for c in clients for x in c.latencies)
    total = len(lat)
    p99 = lat[int(total * 0.99) - 1] if total else 0
    print(f"保存请求 {total} 次，成功 {sum(c.saves for c in clients)}，冲突 {sum(c.conflicts for c in clients)}，"
          f"错误 {sum(c.errors for c in clients)}")
    print(f"丢失的保存（版本数不符）: {lost}；最后内容不符: {wrong_text}")
    print(f"吞吐 {total / elapsed:.0f} 请求/秒，中位数 {statistics.median(lat):.1f} ms，p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
