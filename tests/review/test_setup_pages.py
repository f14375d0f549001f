"""Panels and scoring sheets are managed in the site (not the Django admin), by the ministry only."""

from decimal import Decimal

from django.urls import reverse

from core.models import AuditRecord
from review.models import ScoringSheet
from review.assignment import add_reviewer
from review.scoring import save_review
from review.setup import ensure_default_sheet
from tests.utils import login


def _sheet_post(name="方向四评分表", direction="", rows=(("创新性", "60"), ("效益", "40")), initial=0, **extra):
    data = {"name": name, "direction": direction, "c-TOTAL_FORMS": str(len(rows) + 1),
            "c-INITIAL_FORMS": str(initial), "c-MIN_NUM_FORMS": "0", "c-MAX_NUM_FORMS": "20"}
    for i, (crit, weight) in enumerate(rows):
        data.update({f"c-{i}-name": crit, f"c-{i}-guidance": "", f"c-{i}-max_points": "100",
                     f"c-{i}-weight_percent": weight})
    n = len(rows)  # one blank extra row, as the page sends it
    data.update({f"c-{n}-name": "", f"c-{n}-guidance": "", f"c-{n}-max_points": "", f"c-{n}-weight_percent": ""})
    data.update(extra)
    return data


def test_workbench_links_to_site_pages_not_django_admin(rp, client):
    login(client, rp.p.admin)
    html = client.get(reverse("operations:ministry_home")).content.decode()
    assert "/django-admin/" not in html
    assert reverse("review:panels") in html and reverse("review:sheets") in html


def test_panels_page_lists_every_guides_panels_with_links(rp, client):
    login(client, rp.p.admin)
    html = client.get(reverse("review:panels")).content.decode()
    assert "第一评审组" in html and "王评审" in html
    assert reverse("review:panel_edit", args=[rp.guide.pk, rp.panel.pk]) in html
    assert reverse("review:panel_new", args=[rp.guide.pk]) in html


def test_admin_creates_a_direction_sheet_whose_weights_add_up(rp, client):
    login(client, rp.p.admin)
    r = client.post(reverse("review:sheet_new", args=[rp.guide.pk]), _sheet_post(direction=str(rp.direction.pk)))
    assert r.status_code == 302, r.content.decode()[:2000]
    sheet = ScoringSheet.objects.get(guide=rp.guide, direction=rp.direction)
    assert [(c.name, c.weight) for c in sheet.criteria.all()] == [("创新性", Decimal("0.60")), ("效益", Decimal("0.40"))]
    assert sheet.weight_total() == Decimal("1.00")
    assert AuditRecord.objects.filter(action="review.sheet", actor=rp.p.admin).exists()
    listing = client.get(reverse("review:sheets")).content.decode()
    assert "方向四评分表" in listing and "创新性" in listing


def test_weights_not_adding_to_100_are_refused_with_the_sum(rp, client):
    login(client, rp.p.admin)
    r = client.post(reverse("review:sheet_new", args=[rp.guide.pk]),
                    _sheet_post(direction=str(rp.direction.pk), rows=(("创新性", "60"), ("效益", "30"))))
    assert r.status_code == 400
    html = r.content.decode()
    assert "权重合计须为 100%，当前合计 90%" in html
    assert 'value="创新性"' in html  # what was typed stays
    assert not ScoringSheet.objects.filter(direction=rp.direction).exists()


def test_second_default_sheet_is_refused(rp, client):
    ensure_default_sheet(rp.guide)
    login(client, rp.p.admin)
    r = client.post(reverse("review:sheet_new", args=[rp.guide.pk]), _sheet_post(name="另一张默认表"))
    assert r.status_code == 400
    assert "本指南已有默认评分表" in r.content.decode()


def test_edit_page_shows_criteria_as_percentages_and_saves_changes(rp, client):
    sheet = ensure_default_sheet(rp.guide)
    login(client, rp.p.admin)
    url = reverse("review:sheet_edit", args=[rp.guide.pk, sheet.pk])
    html = client.get(url).content.decode()
    assert 'value="项目综合实力"' in html and 'value="30"' in html
    rows = (("综合", "50"), ("创新", "50"), ("经济社会效益", "20"), ("产业化推广价值", "20"))
    r = client.post(url, _sheet_post(name="默认评分表", rows=rows, initial=4, **{"c-2-DELETE": "on", "c-3-DELETE": "on"}))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert list(sheet.criteria.values_list("name", flat=True)) == ["综合", "创新"]


def test_criteria_are_locked_once_a_reviewer_scored(rp, client):
    sheet = ensure_default_sheet(rp.guide)
    a = add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    save_review(assignment=a, actor=rp.assigned, comment="", submit=False,
                scores={f"score_{c.pk}": "80" for c in sheet.criteria.all()})
    login(client, rp.p.admin)
    r = client.post(reverse("review:sheet_edit", args=[rp.guide.pk, sheet.pk]),
                    _sheet_post(name="默认评分表", initial=4, rows=(("综合", "100"), ("a", "1"), ("b", "1"), ("c", "1")),
                                **{"c-1-DELETE": "on", "c-2-DELETE": "on", "c-3-DELETE": "on"}))
    assert r.status_code == 400
    assert "已有专家按此评分表评分" in r.content.decode()
    assert sheet.criteria.count() == 4


def test_only_the_ministry_reaches_the_setup_pages(rp, client):
    login(client, rp.p.district_a_staff)
    assert client.get(reverse("review:sheets")).status_code == 403
    assert client.get(reverse("review:panels")).status_code == 403
    client.logout()
    assert client.get(reverse("review:sheets")).status_code == 302


def test_setup_pages_run_a_fixed_number_of_queries(rp, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from review.models import Panel
    from tests.factories import make_guide

    login(client, rp.p.admin)

    def counts():
        out = []
        for name in ("review:panels", "review:sheets"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name)).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    ensure_default_sheet(rp.guide)
    before = counts()
    for _ in range(3):
        g = make_guide(2022)
        ensure_default_sheet(g)
        Panel.objects.create(guide=g, name="另一组").directions.set(list(g.directions.all()[:2]))
    assert counts() == before
