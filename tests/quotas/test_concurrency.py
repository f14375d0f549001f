"""Concurrent requests cannot end with more counted places than the quota (PostgreSQL row locks).

Each thread is its own client with its own database connection; a barrier releases
them together. On SQLite writers are serialised by the file lock, so the race this
proves cannot even happen there: the test is skipped with that reason.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord
from quotas.models import LetterSequence, RecommendationList
from quotas.queries import counter
from tests.factories import PASSWORD, make_user
from tests.utils import login

from .conftest import passed, rec_list, recommend

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(jobs):
    """Run the callables at the same moment in threads; return their results (or exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        from django.test import Client

        try:
            client = Client()
            barrier.wait(timeout=10)
            results[i] = job(client)
        except Exception as e:  # reported by the assertions below
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_staff_confirming_at_once_confirm_once(personas):
    p = personas
    colleague = make_user("unit", unit=p.district_b)
    decls = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(3)]
    recommend(decls[0], p.district_b_staff)
    recommend(decls[1], p.district_b_staff)
    rl = rec_list(p.district_b, p.guide)
    url = reverse("quotas:confirm", args=[rl.pk])

    def confirm_as(user):
        def job(client):
            login(client, user)
            return client.post(url, {"version": rl.version, "confirm_password": PASSWORD}).status_code
        return job

    results = _race([confirm_as(p.district_b_staff), confirm_as(colleague)])
    assert results == [302, 302], results
    rl.refresh_from_db()
    assert rl.is_confirmed
    assert AuditRecord.objects.filter(action="list.confirm", target_id=str(rl.pk)).count() == 1
    assert LetterSequence.objects.get(unit=p.district_b, year=timezone.localdate().year).last == 1  # one number used


def test_concurrent_recommendations_never_exceed_the_quota(personas):
    p = personas  # district_b has 2 places; 6 clerks each recommend a different project at once
    staff = [p.district_b_staff] + [make_user("unit", unit=p.district_b) for _ in range(5)]
    decls = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(6)]
    rl = rec_list(p.district_b, p.guide)
    url = reverse("quotas:recommend", args=[rl.pk])

    def job_for(user, decl):
        def job(client):
            login(client, user)
            # no version: each clerk acts on the newest list, so only the quota can stop them
            return client.post(url, {"version": RecommendationList.objects.get(pk=rl.pk).version,
                                     "declaration": decl.pk, "recommended": "1"}, HTTP_HX_REQUEST="true")
        return job

    results = _race([job_for(u, d) for u, d in zip(staff, decls)])
    assert all(getattr(r, "status_code", None) == 200 for r in results), results
    assert counter(rl)["used"] <= 2


def test_a_confirmation_racing_changes_keeps_within_the_quota(personas):
    p = personas
    others = [make_user("unit", unit=p.district_b) for _ in range(4)]
    decls = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(5)]
    recommend(decls[0], p.district_b_staff)
    rl = rec_list(p.district_b, p.guide)

    def confirm_job(client):
        login(client, p.district_b_staff)
        return client.post(reverse("quotas:confirm", args=[rl.pk]),
                           {"version": RecommendationList.objects.get(pk=rl.pk).version,
                            "confirm_password": PASSWORD}).status_code

    def recommend_job(user, decl):
        def job(client):
            login(client, user)
            return client.post(reverse("quotas:recommend", args=[rl.pk]),
                               {"version": RecommendationList.objects.get(pk=rl.pk).version,
                                "declaration": decl.pk, "recommended": "1"}, HTTP_HX_REQUEST="true").status_code
        return job

    results = _race([confirm_job] + [recommend_job(u, d) for u, d in zip(others, decls[1:])])
    assert all(r in (200, 302) for r in results), results
    rl.refresh_from_db()
    numbers = counter(rl)
    assert numbers["used"] <= 2
    if rl.is_confirmed:
        recommended = {d.pk for d in decls if rl.entries.get(declaration=d).recommended}
        confirmed = AuditRecord.objects.get(action="list.confirm", target_id=str(rl.pk))
        # what was confirmed is exactly what the list holds: nothing slipped in afterwards
        assert set(confirmed.data["declarations"]) == recommended
