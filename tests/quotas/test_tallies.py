"""The declaration counters (declarations.tallies) equal a fresh GROUP BY after every step of a year's life,
run through the real services: create, save with a change of direction and unit, submit, return, resubmit,
withdraw, pass, recommend and confirm, a save from a stale copy, a deletion and a rebuild."""

from django.core.management import call_command
from django.db.models import Count

from declarations import services
from declarations.models import Declaration, DeclarationTally
from declarations.tallies import rebuild_tallies
from operations import dashboard
from quotas.administration import set_unit_setting
from quotas.formal_check import pass_check, return_declaration
from quotas.queries import overview

from .conftest import close_districts, confirm, passed, recommend, submitted

S = Declaration.State


def _truth(guide):
    rows = (Declaration.objects.filter(guide=guide).order_by()
            .values_list("state", "direction_id", "organisation__region", "unit_id").annotate(n=Count("pk")))
    return {(s, d or 0, r, u or 0): n for s, d, r, u, n in rows}


def _tallies(guide):
    rows = DeclarationTally.objects.filter(guide=guide).values_list("state", "direction", "region", "unit", "n")
    assert all(n >= 0 for *_key, n in rows), "a counter went below zero"
    return {(s, d, r, u): n for s, d, r, u, n in rows if n}


def check(guide):
    assert _tallies(guide) == _truth(guide)
    # What the pages read agrees with the old scans.
    old = sorted((s, d, r, u, n) for (s, d, r, u), n in _truth(guide).items())
    assert sorted((s, d or 0, r, u or 0, n) for s, d, r, u, n in dashboard.breakdown(guide)) == old
    declared = {}
    for (s, _d, _r, u), n in _truth(guide).items():
        if s != S.DRAFT and u:
            declared[u] = declared.get(u, 0) + n
    assert {row["unit"].pk: row["declared"] for row in overview(guide) if row["declared"]} == declared


def test_the_counters_follow_every_change(personas):
    p = personas
    g = p.guide
    d4, d5, d6 = (g.directions.get(code=c) for c in ("4", "5", "6"))
    check(g)

    # A draft started by the applicant, then saved with a direction, then with another direction and unit.
    draft, created = services.start_declaration(g, organisation=p.org_b, actor=p.applicant_b)
    assert created
    check(g)
    services.save_draft(draft, {"direction_id": d4.pk, "project_name": "草稿"}, expected_version=draft.version)
    check(g)
    services.save_draft(draft, {"direction_id": d5.pk, "unit_id": p.district_b.pk},
                        expected_version=draft.version)
    check(g)
    services.save_draft(draft, {"summary": "只改文字"}, expected_version=draft.version)
    check(g)

    # A save from a copy older than the row (another tab moved the direction in between): the counters
    # move from what the row held, not from the stale copy.
    stale = Declaration.objects.get(pk=draft.pk)
    fresh = Declaration.objects.get(pk=draft.pk)
    services.save_draft(fresh, {"direction_id": d4.pk}, expected_version=fresh.version)
    check(g)
    services.save_draft(stale, {"direction_id": d6.pk}, expected_version=fresh.version)
    check(g)
    assert Declaration.objects.get(pk=draft.pk).direction_id == d6.pk

    # Submitted, returned, changed and resubmitted; withdrawn and submitted again; passed.
    a = submitted(g, p.district_a, direction="4")
    check(g)
    b = submitted(g, p.district_a, direction="5")
    check(g)
    return_declaration(declaration=b, actor=p.district_a_staff, reason="请补充应用案例的具体数据和客户证明材料")
    check(g)
    b.refresh_from_db()
    services.save_draft(b, {"direction_id": d6.pk}, expected_version=b.version)
    check(g)
    services.submit_declaration(b, actor=None)
    check(g)
    services.withdraw_declaration(a, actor=None)
    check(g)
    services.submit_declaration(a, actor=None)
    check(g)
    pass_check(declaration=a, actor=p.district_a_staff)
    pass_check(declaration=b, actor=p.district_a_staff)
    check(g)

    # Recommended and confirmed: the district sends one up, the city ranks it with its own and confirms.
    recommend(a, p.district_a_staff)
    confirm(p.district_a_staff, g)
    check(g)
    own = passed(g, p.city, p.city_staff)
    other = passed(g, p.city, p.city_staff, direction="5")
    submitted(g, p.other_province, direction="5")  # another region
    check(g)
    close_districts(p)
    set_unit_setting(unit=p.city, guide=g, quota=3, deadline=None, reason="天津市名额", actor=p.admin)
    recommend(a, p.city_staff)
    recommend(own, p.city_staff)
    confirm(p.city_staff, g)
    check(g)
    a.refresh_from_db()
    other.refresh_from_db()
    assert (a.state, other.state) == (S.RECOMMENDED, S.NOT_RECOMMENDED)

    # A deletion outside the services (none deletes a declaration) is repaired by a rebuild, as is any drift.
    Declaration.extra_directions.through.objects.filter(declaration=draft).delete()
    Declaration.objects.filter(pk=draft.pk).delete()
    rebuild_tallies(g)
    check(g)
    DeclarationTally.objects.filter(guide=g).update(n=7)
    call_command("rebuild_tallies", guide=g.pk, stdout=open("/dev/null", "w"))
    check(g)
    DeclarationTally.objects.all().delete()
    rebuild_tallies()
    check(g)


def test_a_rebuild_counts_rows_written_behind_the_services_back(personas):
    """As restore_backup() and the generator do after their bulk writes."""
    p = personas
    a = submitted(p.guide, p.district_a, direction="4")
    Declaration.objects.filter(pk=a.pk).update(state=S.PASSED)  # as a restored dump would hold it
    assert _tallies(p.guide) != _truth(p.guide)
    rebuild_tallies()
    check(p.guide)
