"""Background writes during the load benchmark: applicants' autosaves and reviewers' score drafts.

Real traffic writes while people read: an applicant's page saves every few seconds while typing, a reviewer
saves a draft of their scores. A thread posts both at a steady rate, as the browser would (the whole form,
the version the server last returned; the CSRF token from the session's cookie), and counts answers.
"""

import http.client
import json
import re
import statistics
import threading
import time
import urllib.parse

from surge import FormFields


class Writers:
    def __init__(self, autosave_rate, score_rate, drafts, assignments):
        self.autosave_rate, self.score_rate = autosave_rate, score_rate
        self.drafts, self.assignments = drafts, assignments  # [(decl id, cookie)], [(assignment id, cookie)]
        self.ok, self.failed, self.latencies, self.errors = {"autosave": 0, "score": 0}, 0, [], []
        self._stop = threading.Event()
        self._threads = []

    @classmethod
    def prepare(cls, autosave_rate, score_rate, cookie):
        """Choose 30 applicants' drafts and the open assignments (see _catalog.open_assignments)."""
        from _catalog import open_assignments
        from django.contrib.auth import get_user_model

        from declarations.models import Declaration, Guide
        from operations.national import PREFIX, TITLE

        guide = Guide.objects.filter(title=TITLE).order_by("-id").first()
        drafts = list(Declaration.objects.filter(guide=guide, state="draft",
                                                 organisation__users__username__startswith=PREFIX)
                      .order_by("-pk")[:30])
        owners = {u.organisation_id: u for u in get_user_model().objects.filter(
            organisation__in=[d.organisation_id for d in drafts])}
        return cls(autosave_rate, score_rate, [(d.pk, cookie(owners[d.organisation_id])) for d in drafts],
                   [(a.pk, cookie(a.reviewer)) for a in open_assignments(guide, 30)])

    def start(self, port):
        self.port = port
        self.forms = {}
        for pk, cookie in self.drafts:  # what each draft's page would post
            page = self._get(f"/applicant/declarations/{pk}/edit/", cookie)
            parser = FormFields("declaration-form")
            parser.feed(page)
            self.forms[pk] = parser.fields
        self.score_fields = {}
        for pk, cookie in self.assignments:
            page = self._get(f"/review/assignments/{pk}/", cookie)
            self.score_fields[pk] = [(n, m) for n, m in re.findall(r'name="(score_\d+)" value="[^"]*" min="0" '
                                                                    r'max="([\d.]+)"', page)]
        for kind, rate in (("autosave", self.autosave_rate), ("score", self.score_rate)):
            if rate > 0:
                t = threading.Thread(target=self._loop, args=(kind, rate), daemon=True)
                t.start()
                self._threads.append(t)

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _get(self, path, cookie):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("GET", path, headers={"Cookie": cookie})
        body = conn.getresponse().read().decode()
        conn.close()
        return body

    def _post(self, conn, path, cookie, fields):
        csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
        conn.request("POST", path, body=urllib.parse.urlencode(fields), headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf,
            "X-Requested-With": "XMLHttpRequest"})
        resp = conn.getresponse()
        return resp.status, resp.read()

    def _loop(self, kind, rate):
        items = self.drafts if kind == "autosave" else self.assignments
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        n, next_at = 0, time.time()
        while not self._stop.is_set() and items:
            pk, cookie = items[n % len(items)]
            n += 1
            start = time.perf_counter()
            try:
                ok = self._autosave(conn, pk, cookie, n) if kind == "autosave" else self._score(conn, pk, cookie, n)
            except (OSError, http.client.HTTPException) as e:
                ok = False
                self.errors.append(f"{kind}: {e!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.latencies.append((time.perf_counter() - start) * 1000)
            if ok:
                self.ok[kind] += 1
            else:
                self.failed += 1
            next_at += 1 / rate
            self._stop.wait(max(0.0, next_at - time.time()))
        conn.close()

    def _autosave(self, conn, pk, cookie, n):
        fields = [(k, v) for k, v in self.forms[pk] if k != "project_name"]
        fields.append(("project_name", f"压测自动保存第{n}次"))
        status, body = self._post(conn, f"/applicant/declarations/{pk}/autosave/", cookie, fields)
        if status == 200:
            version = json.loads(body)["version"]
            self.forms[pk] = [(k, version if k == "version" else v) for k, v in self.forms[pk]]
            return True
        self.errors.append(f"autosave {pk}: HTTP {status}")
        return False

    def _score(self, conn, pk, cookie, n):
        fields = [(name, str(round(float(top) * ((n % 7) + 3) / 10, 1))) for name, top in self.score_fields[pk]]
        fields += [("comment", f"评分草稿第{n}次：项目材料完整，创新点明确。"), ("draft", "")]
        status, _body = self._post(conn, f"/review/assignments/{pk}/", cookie, fields)
        if status == 302:  # the draft saved, back to the page
            return True
        self.errors.append(f"score {pk}: HTTP {status}")
        return False

    def summary(self):
        lat = sorted(self.latencies)
        median = statistics.median(lat) if lat else 0.0
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
        text = (f"后台写入: 自动保存成功 {self.ok['autosave']} 次，评分草稿成功 {self.ok['score']} 次，失败 {self.failed} 次；"
                f"写入中位数 {median:.1f} ms，p99 {p99:.1f} ms")
        if self.errors:
            text += "\n   前几个错误: " + "；".join(self.errors[:3])
        return text
