"""Formal check: pass, or return with a reason the applicant sees; resubmission; deadlines."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord, Notification
from declarations.services import submit_declaration
from quotas.administration import set_unit_setting
from quotas.formal_check import pass_check, return_declaration
from quotas.lists import get_list
from tests.factories import make_org, make_user
from tests.utils import login

from .conftest import submitted


def test_clerk_passes_a_declaration_and_it_joins_the_ranking(client, personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:pass", args=[decl.pk]), follow=True)
    assert "形式审查通过" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "passed"
    rec = AuditRecord.objects.filter(action="declaration.pass", target_id=str(decl.pk)).get()
    assert rec.actor == p.district_a_staff
    ranking = client.get(reverse("quotas:ranking")).content.decode()
    assert str(decl) in ranking


def test_return_needs_a_reason(client, personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:return", args=[decl.pk]), {"reason": "   "}, follow=True)
    assert "请填写退回理由" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "submitted"


def test_returned_applicant_sees_the_reason_and_can_resubmit(client, personas):
    p = personas
    applicant = make_user("applicant", organisation=(org := make_org(division=p.district_a.division)))
    decl = submitted(p.guide, p.district_a, org=org)
    login(client, p.district_a_staff)
    client.post(reverse("quotas:return", args=[decl.pk]), {"reason": "请补充知识产权证明材料"})
    decl.refresh_from_db()
    assert decl.state == "returned" and decl.return_reason == "请补充知识产权证明材料"
    note = Notification.objects.get(user=applicant, kind="returned")
    assert "请补充知识产权证明材料" in note.body
    login(client, applicant)
    assert "请补充知识产权证明材料" in client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    submit_declaration(decl, actor=applicant)
    decl.refresh_from_db()
    assert decl.state == "submitted"
    login(client, p.district_a_staff)
    html = client.get(reverse("quotas:workspace") + "?state=submitted").content.decode()
    assert str(decl) in html


def test_returning_a_passed_declaration_takes_it_out_of_the_ranking(personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    pass_check(declaration=decl, actor=p.district_a_staff)
    rl = get_list(unit=p.district_a, guide=p.guide)
    assert rl.entries.filter(declaration=decl).exists()
    return_declaration(declaration=decl, actor=p.district_a_staff, reason="方向选择有误，请改选第4方向")
    assert not rl.entries.filter(declaration=decl).exists()


def test_no_formal_check_after_the_unit_deadline(client, personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    p.guide.unit_deadline = timezone.now() - timedelta(minutes=1)
    p.guide.save()
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:pass", args=[decl.pk]), follow=True)
    assert "截止" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "submitted"
    # an admin extension for this unit re-opens it
    set_unit_setting(unit=p.district_a, guide=p.guide, quota=None,
                              deadline=timezone.now() + timedelta(days=1), reason="延期", actor=p.admin)
    client.post(reverse("quotas:pass", args=[decl.pk]))
    decl.refresh_from_db()
    assert decl.state == "passed"
