"""Two requests racing over one organisation's single project under a guide: one wins, the other is told why.

An organisation starting its own declaration while a lead adds it as a consortium member, and two leads adding
the same member at once, are serialised on the organisation's row lock (PostgreSQL; SQLite serialises writers
anyway, so the race cannot happen there).
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from declarations.models import ConsortiumMember, Declaration
from units.models import Unit
from tests.factories import complete_declaration, make_guide, make_org, make_unit, make_user
from tests.utils import login

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(jobs):
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


@pytest.fixture
def setting(db):
    guide = make_guide(2023)
    guide.is_published = True
    guide.save(update_fields=["is_published"])
    province = make_unit("天津市工业和信息化局（并发测试）", Unit.Kind.PROVINCE, "12")
    return guide, province


def _add_job(user, decl, member):
    def job(client):
        login(client, user)
        return client.post(reverse("declarations:add_member", args=[decl.pk]),
                           {"credit_code": member.credit_code, "role": "分工", "share": 10}).status_code
    return job


@pytest.mark.parametrize("attempt", range(3))
def test_declaring_alone_and_being_added_at_once_leaves_one_project(setting, attempt):
    guide, province = setting
    lead = make_org(f"牵头公司{attempt}")
    lead_user = make_user("applicant", organisation=lead)
    decl = complete_declaration(guide, lead, province, direction_code="1")
    member = make_org(f"被邀请公司{attempt}")
    member_user = make_user("applicant", organisation=member)

    def start(client):
        login(client, member_user)
        return client.post(reverse("declarations:start", args=[guide.pk])).status_code

    _race([start, _add_job(lead_user, decl, member)])
    own = Declaration.objects.filter(guide=guide, organisation=member).exists()
    joined = ConsortiumMember.objects.filter(guide=guide, organisation=member).exists()
    assert own != joined  # exactly one of the two, never both


def test_two_leads_adding_the_same_member_at_once_add_it_once(setting):
    guide, province = setting
    member = make_org("抢手数据公司")
    jobs = []
    for i in range(2):
        lead = make_org(f"并发牵头{i}")
        user = make_user("applicant", organisation=lead)
        jobs.append(_add_job(user, complete_declaration(guide, lead, province, direction_code=str(i + 1)), member))
    _race(jobs)
    assert ConsortiumMember.objects.filter(guide=guide, organisation=member).count() == 1
