"""One yearly cycle through every room's services: each listed action leaves an audit record
(who, what, why) and each listed notification reaches the inbox and the mailbox."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from core.models import Notification

from core.models import AuditRecord
from declarations import guide_admin
from declarations.services import submit_declaration
from tests.factories import complete_declaration, make_org, make_user


def test_one_cycle_records_every_listed_action(client, personas, django_capture_on_commit_callbacks):
    from quotas.administration import reopen_list, set_unit_setting
    from quotas.formal_check import pass_check
    from quotas.lists import get_list
    from quotas.recommendation import confirm_recommendations, set_recommended
    from review.assignment import add_reviewer
    from review.scoring import save_review
    from review.selection import open_public_notice, publish_results, set_selected
    from review.setup import ensure_default_sheet, sheet_for
    from review.models import ReviewerProfile

    guide, admin = personas.guide, personas.admin
    unit = personas.other_province
    staff = make_user("unit", "hebei_staff", unit=unit, email="staff@hebei.example")
    org = make_org("河北数据公司", region="13")
    applicant = make_user("applicant", "hebei_applicant", organisation=org, email="applicant@hebei.example")

    with django_capture_on_commit_callbacks(execute=True):
        # the ministry: deadline extension for the guide, quota override and extension for one unit
        guide_admin.extend_deadline(guide=guide, actor=admin, reason="系统维护顺延",
                                    unit_deadline=guide.unit_deadline + timedelta(days=2))
        guide.refresh_from_db()
        set_unit_setting(unit=unit, guide=guide, quota=3, deadline=guide.unit_deadline + timedelta(days=5),
                           reason="该省项目较多", actor=admin)
        # applicant, then the unit's formal check and confirmation, a reopen and a second confirmation
        decl = complete_declaration(guide, org, unit)
        submit_declaration(decl, actor=applicant)
        decl.refresh_from_db()
        pass_check(declaration=decl, actor=staff)
        rec_list = get_list(unit=unit, guide=guide)
        set_recommended(rec_list=rec_list, declaration_id=decl.pk, recommended=True, actor=staff)
        confirm_recommendations(rec_list=get_list(unit=unit, guide=guide), actor=staff)
        reopen_list(rec_list=get_list(unit=unit, guide=guide), actor=admin, reason="单位申请更正排序")
        confirm_recommendations(rec_list=get_list(unit=unit, guide=guide), actor=staff)
        decl.refresh_from_db()
        assert decl.state == "recommended"
        # review: assignment, score submission, selection, notice, publication
        reviewer = make_user("reviewer", "expert_one", email="expert@example.com")
        ReviewerProfile.objects.create(user=reviewer, name="专家甲", employer="某大学", region="31")
        ensure_default_sheet(guide)
        add_reviewer(declaration=decl, reviewer=reviewer, actor=admin)
        assignment = reviewer.assignments.get()
        criteria = sheet_for(decl).criteria.all()
        save_review(assignment=assignment, actor=reviewer, submit=True, comment="项目扎实，推广价值高，建议入选。",
                       scores={f"score_{c.pk}": str(c.max_points) for c in criteria})
        set_selected(declaration=decl, selected=True, actor=admin)
        day = timezone.localdate() - timedelta(days=20)
        open_public_notice(guide=guide, start=day, end=day + timedelta(days=14), actor=admin,
                              now=timezone.now() - timedelta(days=20))
        publish_results(guide=guide, actor=admin, doc_number="工信厅信发函〔2031〕1号")
    # a failed sign-in
    client.post("/accounts/login/", {"username": "expert_one", "password": "not-the-password"})

    actions = set(AuditRecord.objects.values_list("action", flat=True))
    listed = {
        "guide.extend_deadline": admin, "unit_setting.change": admin, "declaration.submit": applicant,
        "declaration.pass": staff, "list.confirm": staff, "list.reopen": admin, "review.assign_manual": admin,
        "review.submit": reviewer, "review.select": admin, "review.publish": admin,
    }
    missing = set(listed) - actions
    assert not missing, missing
    for action, actor in listed.items():
        assert AuditRecord.objects.filter(action=action, actor=actor).exists(), action
    assert AuditRecord.objects.get(action="list.reopen").reason == "单位申请更正排序"
    assert AuditRecord.objects.get(action="unit_setting.change").reason == "该省项目较多"
    assert AuditRecord.objects.get(action="guide.extend_deadline").reason == "系统维护顺延"
    assert AuditRecord.objects.filter(action="auth.login_failed", data__username="expert_one").exists()
    assert AuditRecord.objects.filter(action="declaration.select", target_id=str(decl.pk)).exists()

    kinds = {
        "submitted": applicant, "list_confirmed": staff, "list_reopened": staff,
        "reviewer_assigned": reviewer, "results_published": applicant,
        "stage_passed": applicant, "stage_recommended": applicant,
    }
    # confirmed, reopened and confirmed again: the applicant hears of each stage once
    for kind in ("stage_passed", "stage_recommended", "results_published"):
        assert Notification.objects.filter(kind=kind, user=applicant).count() == 1, kind
    for kind, user in kinds.items():
        n = Notification.objects.filter(kind=kind, user=user).first()
        assert n is not None, kind
        assert n.emailed_at is not None, kind
        assert any(m.to == [user.email] and n.title in m.subject for m in mail.outbox), kind


def test_registration_confirmation(client, db, django_capture_on_commit_callbacks):
    from tests.factories import credit_code

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/register/", {
            "username": "newcomer", "password1": "Strong#pass-2031", "password2": "Strong#pass-2031",
            "org_name": "新注册数据公司", "credit_code": credit_code(), "kind": "enterprise", "region": "12",
            "dcmm_level": "0", "contact_name": "李四", "contact_phone": "13900000000",
            "email": "newcomer@example.com"})
    assert r.status_code == 302, r.content.decode()[:500]
    n = Notification.objects.get(kind="registered")
    assert n.user.username == "newcomer" and n.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["newcomer@example.com"]]
