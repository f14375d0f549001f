import pytest

from core.models import AuditRecord, Notification
from review.models import Assignment, Panel
from review.assignment import add_reviewer, assign_reviewers, decline_assignment, remove_assignment, swap_reviewer
from review.base import ReviewError
from review.setup import settings_for
from tests.review.conftest import make_reviewer, recommended_declaration


def _setup(guide, n_decls=7, n_reviewers=5, per=3):
    cfg = settings_for(guide)
    cfg.reviewers_per_declaration = per
    cfg.save()
    direction = guide.directions.get(code="4")
    decls = [recommended_declaration(guide) for _ in range(n_decls)]
    reviewers = [make_reviewer(f"r{i}", employer=f"单位{i}") for i in range(n_reviewers)]
    panel = Panel.objects.create(guide=guide, name="组")
    panel.directions.set([direction])
    panel.reviewers.set(reviewers)
    return decls, reviewers, panel


def _pairs(guide):
    return sorted(Assignment.objects.filter(declaration__guide=guide, state="active")
                  .values_list("declaration_id", "reviewer_id"))


def test_each_declaration_gets_n_reviewers_with_even_load(personas):
    decls, reviewers, _panel = _setup(personas.guide)
    report = assign_reviewers(guide=personas.guide, actor=personas.admin)
    assert report.created == 21 and report.problems == []
    for d in decls:
        assert d.assignments.filter(state="active").count() == 3
    loads = [r.assignments.count() for r in reviewers]
    assert max(loads) - min(loads) <= 1  # 21 over 5 reviewers: 4 or 5 each


def test_assignment_is_deterministic_and_idempotent(personas, guide):
    _setup(personas.guide)
    assign_reviewers(guide=personas.guide, actor=personas.admin)
    first = _pairs(personas.guide)
    Assignment.objects.all().delete()
    assign_reviewers(guide=personas.guide, actor=personas.admin)
    assert _pairs(personas.guide) == first
    again = assign_reviewers(guide=personas.guide, actor=personas.admin)
    assert again.created == 0 and _pairs(personas.guide) == first


def test_assignment_never_gives_a_conflicted_reviewer_and_explains_the_shortfall(rp):
    rp_cfg = settings_for(rp.guide)
    rp_cfg.reviewers_per_declaration = 2
    rp_cfg.save()
    report = assign_reviewers(guide=rp.guide, actor=rp.p.admin)
    # rev_conflicted works for 甲数据公司 (org_a): decl_a only gets one reviewer, and the report says why.
    assert set(rp.decl_a.assignments.values_list("reviewer__username", flat=True)) == {"rev_assigned"}
    assert set(rp.decl_b.assignments.values_list("reviewer__username", flat=True)) == {"rev_assigned",
                                                                                        "rev_conflicted"}
    assert len(report.problems) == 1
    assert "只分配到 1 名专家，需要 2 名" in report.problems[0] and "1 名需回避" in report.problems[0]


def test_direction_without_panel_is_reported(personas):
    recommended_declaration(personas.guide, direction_code="5")
    report = assign_reviewers(guide=personas.guide, actor=personas.admin)
    assert report.created == 0
    assert "该方向未设置评审组" in report.problems[0]


def test_assignment_is_audited_and_reviewers_notified(rp):
    assign_reviewers(guide=rp.guide, actor=rp.p.admin)
    rec = AuditRecord.objects.get(action="review.assign")
    assert rec.actor == rp.p.admin
    assert Notification.objects.filter(user=rp.assigned, kind="reviewer_assigned").exists()


def test_decline_frees_the_slot_for_another_reviewer(rp):
    rp.panel.reviewers.add(rp.unassigned)
    settings_for(rp.guide).__class__.objects.filter(guide=rp.guide).update(reviewers_per_declaration=1)
    assign_reviewers(guide=rp.guide, actor=rp.p.admin)
    a = rp.decl_a.assignments.get()
    with pytest.raises(ReviewError, match="请填写谢绝理由"):
        decline_assignment(assignment=a, actor=a.reviewer, reason="  ")
    decline_assignment(assignment=a, actor=a.reviewer, reason="与申报单位有合作关系")
    a.refresh_from_db()
    assert a.state == "declined" and a.decline_reason == "与申报单位有合作关系"
    assign_reviewers(guide=rp.guide, actor=rp.p.admin)
    active = rp.decl_a.assignments.filter(state="active").get()
    assert active.reviewer != a.reviewer  # never asked again
    assert AuditRecord.objects.filter(action="review.decline", reason="与申报单位有合作关系").exists()


def test_manual_add_remove_and_swap(rp):
    a = add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="专家工作单位与申报单位相同"):
        add_reviewer(declaration=rp.decl_a, reviewer=rp.conflicted, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="已分配过该项目"):
        add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    b = swap_reviewer(assignment=a, new_reviewer=rp.unassigned, actor=rp.p.admin)
    assert list(rp.decl_a.assignments.values_list("reviewer", flat=True)) == [rp.unassigned.pk]
    remove_assignment(assignment=b, actor=rp.p.admin)
    assert not rp.decl_a.assignments.exists()
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"review.assign_manual", "review.swap", "review.unassign"} <= actions


def test_submitted_review_cannot_be_removed(rp):
    from review.scoring import submit_review
    from tests.review.test_scoring import full_scores

    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    submit_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_b, 80), comment="项目基础扎实，推广价值较高。")
    with pytest.raises(ReviewError, match="已提交评分"):
        remove_assignment(assignment=a, actor=rp.p.admin)


def test_admin_creates_and_edits_a_panel_in_the_app(rp, client):
    from django.urls import reverse

    from tests.utils import login

    login(client, rp.p.admin)
    d5 = rp.guide.directions.get(code="5")
    url = reverse("review:panel_new", args=[rp.guide.pk])
    response = client.post(url, {"name": "第二评审组", "directions": [rp.direction.pk], "reviewers": [rp.unassigned.pk]})
    assert response.status_code == 400
    assert "方向“4. 大数据重点产品”已属于评审组“第一评审组”" in response.content.decode()
    response = client.post(url, {"name": "", "directions": []})
    assert "请填写评审组名称" in response.content.decode() and "请至少选择一个方向" in response.content.decode()
    response = client.post(url, {"name": "第二评审组", "directions": [d5.pk], "reviewers": [rp.unassigned.pk]})
    assert response.status_code == 302
    panel = Panel.objects.get(guide=rp.guide, name="第二评审组")
    assert list(panel.reviewers.all()) == [rp.unassigned]
    edit = reverse("review:panel_edit", args=[rp.guide.pk, panel.pk])
    assert "第二评审组" in client.get(edit).content.decode()
    client.post(edit, {"name": "第二评审组（融合应用）", "directions": [d5.pk], "reviewers": [rp.unassigned.pk, rp.assigned.pk]})
    panel.refresh_from_db()
    assert panel.name == "第二评审组（融合应用）" and panel.reviewers.count() == 2
    assert AuditRecord.objects.filter(action="review.panel").count() == 2
    other_guide_direction = rp.guide.directions.model.objects.exclude(guide=rp.guide).first()
    if other_guide_direction:
        response = client.post(url, {"name": "外组", "directions": [other_guide_direction.pk]})
        assert "所选方向不属于本指南" in response.content.decode()


@pytest.mark.parametrize("n_decls, n_reviewers, per, conflict_every", [
    (10, 7, 5, 0), (13, 6, 3, 0), (9, 8, 5, 3), (4, 12, 5, 2),
])
def test_assignment_invariants(personas, n_decls, n_reviewers, per, conflict_every):
    """No conflicted pair, no duplicates, min(N, conflict-free reviewers) each, loads within one without conflicts."""
    from review.conflicts import conflict_reason

    decls, reviewers, _panel = _setup(personas.guide, n_decls=n_decls, n_reviewers=n_reviewers, per=per)
    if conflict_every:
        for i, d in enumerate(decls):
            reviewers[i % n_reviewers].reviewer_profile.conflicts.add(d.organisation)
            if i % conflict_every == 0:
                reviewers[(i + 1) % n_reviewers].reviewer_profile.conflicts.add(d.organisation)
    report = assign_reviewers(guide=personas.guide, actor=personas.admin)
    for d in decls:
        got = list(d.assignments.select_related("reviewer__reviewer_profile"))
        assert len({a.reviewer_id for a in got}) == len(got)
        assert not any(conflict_reason(a.reviewer.reviewer_profile, d) for a in got)
        eligible = sum(1 for r in reviewers if not conflict_reason(r.reviewer_profile, d))
        assert len(got) == min(per, eligible)
    short = [d for d in decls if d.assignments.count() < per]
    assert len(report.problems) == len(short)
    if not conflict_every:
        loads = [r.assignments.count() for r in reviewers]
        assert max(loads) - min(loads) <= 1
