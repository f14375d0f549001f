"""Hostile values posted to every form of the site, as the role allowed to post it.

The fields of each form are read from the pages that show it (each <form>'s action
and its inputs, including named submit buttons), so a new form is fuzzed without a test being written for it.
Never a server error; every validation message shown is in Chinese; and a request
that was refused changes nothing (each request runs in a rolled-back savepoint
and is compared with the database state it started from).
"""

import re
from collections import defaultdict

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.models import Declaration
from quotas.models import RecommendationList
from tests.hostile.conftest import CJK, hostile_int, hostile_text
from tests.matrix.test_permission_matrix import SPEC, classify
from tests.matrix.world import World

FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ACTION_RE = re.compile(r'action="([^"]*)"')
NAME_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"', re.I)
ERROR_RE = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)</', re.S)
SKIP_FIELDS = {"csrfmiddlewaretoken"}
# Values that are valid-looking ids of other people's objects, to forge references.
FORGED = st.sampled_from(["1", "2", "3", "999999", "-1", "0", "1 OR 1=1", "１"])


def harvest(client, world, roles_urls):
    """Field names per form action, from every page a role may GET."""
    fields = defaultdict(set)
    for url in roles_urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for attrs, body in FORM_RE.findall(html):
            action = ACTION_RE.search(attrs)
            target = action.group(1) if action and action.group(1) else url
            fields[target.split("?")[0]].update(n for n in NAME_RE.findall(body) if n not in SKIP_FIELDS)
    return fields


def snapshot():
    return (list(Declaration.objects.order_by("pk").values_list("pk", "state", "version", "project_name")),
            list(RecommendationList.objects.order_by("pk").values_list("pk", "state", "version")))


ROLE_USERS = ["applicant_a", "district_a", "reviewer_assigned", "admin"]


@pytest.fixture
def world(personas, settings, tmp_path):
    from documents.signing import create_self_signed_p12

    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "h.p12", "hostile-pass", common_name="测试"))
    settings.SIGNING_P12_PASSWORD = "hostile-pass"
    return World(personas)


@pytest.mark.parametrize("role", ROLE_USERS)
def test_hostile_posts_to_every_form(world, role):
    client = Client()
    client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    urls = {}
    for name, spec in SPEC.items():
        if role in spec.allowed and name not in ("logout",):
            urls[name] = reverse(name, kwargs=spec.kwargs(world) if spec.kwargs else None)
    with transaction.atomic():
        fields = harvest(client, world, [u for n, u in urls.items() if not SPEC[n].post_only])
        transaction.set_rollback(True)
    targets = sorted({(name, url) for name, url in urls.items() if url in fields or SPEC[name].post_only})
    assert targets, "no form found"
    problems = []

    def post_garbage(name, url, data):
        names = sorted(fields.get(url, set()) | {"reason", "version", "declaration", "reviewer", "comment"})
        payload = {}
        for field in data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)), label="fields"):
            payload[field] = data.draw(st.one_of(hostile_text, hostile_int, FORGED), label=field)
        with transaction.atomic():
            before = snapshot()
            try:
                response = client.post(url, payload)
                outcome = classify(response)
                body = response.content.decode(errors="replace") if "html" in response.get("Content-Type", "") else ""
            except Exception as exc:  # noqa: BLE001 - a crash is what we are looking for
                problems.append(f"{name} {url} {payload!r}: {type(exc).__name__}: {exc}")
                transaction.set_rollback(True)
                return
            if outcome == "error":
                problems.append(f"{name} {url} {payload!r}: HTTP {response.status_code}")
            for message in ERROR_RE.findall(body):
                text = re.sub(r"<[^>]+>", "", message).strip()
                if text and not CJK.search(text):
                    problems.append(f"{name}: message not in Chinese: {text!r}")
            if response.status_code in (400, 409) or (response.status_code == 200 and ERROR_RE.search(body)):
                if snapshot() != before:
                    problems.append(f"{name} {url} {payload!r}: refused but wrote to the database")
            transaction.set_rollback(True)

    def fuzz(name, url):
        @settings(max_examples=5, deadline=None, derandomize=True, database=None)
        @given(data=st.data())
        def run(data):
            post_garbage(name, url, data)

        run()

    for name, url in targets:
        fuzz(name, url)
    assert not problems, "\n".join(problems[:30])
