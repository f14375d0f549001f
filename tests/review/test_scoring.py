from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditRecord
from review.models import Criterion, Review, ScoringSheet
from review.assignment import add_reviewer
from review.base import ReviewError
from review.scoring import reopen_review, save_review, submit_review
from review.setup import sheet_for
from tests.utils import login

COMMENT = "项目基础扎实，技术有创新，推广价值较高。"


def full_scores(decl, value):
    return {f"score_{c.pk}": str(value) for c in sheet_for(decl).criteria.all()}


def test_default_sheet_is_the_four_2021_dimensions_to_100_points(guide):
    sheet = ScoringSheet.objects.get(guide=guide, direction=None)
    names = list(sheet.criteria.values_list("name", flat=True))
    assert names == ["项目综合实力", "关键技术创新", "经济社会效益", "产业化推广价值"]
    assert sum(c.max_points * c.weight for c in sheet.criteria.all()) == Decimal("100")


def test_direction_sheet_overrides_the_default(rp):
    sheet = ScoringSheet.objects.create(guide=rp.guide, direction=rp.direction, name="方向4评分表")
    Criterion.objects.create(sheet=sheet, name="场景数量", max_points=50, weight=2)
    assert list(sheet_for(rp.decl_a).criteria.values_list("name", flat=True)) == ["场景数量"]
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    review = submit_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_b, 40), comment=COMMENT)
    assert review.total == Decimal("80.00")


def test_weighted_total_on_submit(rp):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    crits = list(sheet_for(rp.decl_b).criteria.all())
    scores = {f"score_{c.pk}": v for c, v in zip(crits, ["90", "80", "70", "60.5"])}
    review = submit_review(assignment=a, actor=rp.assigned, scores=scores, comment=COMMENT)
    # 90×0.3 + 80×0.3 + 70×0.2 + 60.5×0.2 = 27 + 24 + 14 + 12.1
    assert review.total == Decimal("77.10") and review.state == "submitted"
    assert AuditRecord.objects.filter(action="review.submit", actor=rp.assigned).exists()


@pytest.mark.parametrize("value, message", [
    ("101", "“项目综合实力”的得分须在 0 到 100 分之间"),
    ("-1", "“项目综合实力”的得分须在 0 到 100 分之间"),
    ("abc", "“项目综合实力”的得分须为数字"),
    ("NaN", "“项目综合实力”的得分须为数字"),
    ("80.25", "“项目综合实力”的得分最多保留一位小数"),
])
def test_scores_are_validated_against_each_criterion(rp, client, value, message):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    scores = full_scores(rp.decl_b, 80)
    first = sheet_for(rp.decl_b).criteria.first()
    scores[f"score_{first.pk}"] = value
    login(client, rp.assigned)
    response = client.post(reverse("review:score", args=[a.pk]), {**scores, "comment": COMMENT, "submit": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Review.objects.filter(assignment=a, state="submitted").exists()


def test_submit_needs_every_score_and_a_comment_but_a_draft_does_not(rp):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    first = sheet_for(rp.decl_b).criteria.first()
    draft = save_review(assignment=a, actor=rp.assigned, scores={f"score_{first.pk}": "70"}, comment="")
    assert draft.state == "draft" and draft.scores.get().value == Decimal("70")
    with pytest.raises(ReviewError) as e:
        submit_review(assignment=a, actor=rp.assigned, scores={f"score_{first.pk}": "70"}, comment="好")
    errors = e.value.errors
    assert "请为“关键技术创新”打分" in errors.values()
    assert errors["comment"] == "提交前请填写评审意见（至少 10 个字）"


def test_submitted_is_final_until_an_admin_reopens(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    review = submit_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_b, 80), comment=COMMENT)
    with pytest.raises(ReviewError, match="评分已提交"):
        save_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_b, 90), comment=COMMENT)
    login(client, rp.assigned)
    page = client.get(reverse("review:score", args=[a.pk])).content.decode()
    assert "评分已提交，如需修改请联系主管部门退回" in page and 'name="submit"' not in page
    with pytest.raises(ReviewError, match="请填写理由"):
        reopen_review(review=review, actor=rp.p.admin, reason="")
    login(client, rp.p.admin)
    client.post(reverse("review:reopen", args=[review.pk]), {"reason": "第二项打分与意见不符"})
    review.refresh_from_db()
    assert review.state == "draft" and review.total is None
    assert AuditRecord.objects.filter(action="review.reopen", reason="第二项打分与意见不符").exists()
    assert rp.assigned.notifications.filter(kind="review_reopened").exists()
    submit_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_b, 90), comment=COMMENT)


def test_reviewers_do_not_see_each_others_scores(rp, client):
    rp.panel.reviewers.add(rp.unassigned)
    a1 = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    a2 = add_reviewer(declaration=rp.decl_b, reviewer=rp.unassigned, actor=rp.p.admin)
    submit_review(assignment=a1, actor=rp.assigned, scores=full_scores(rp.decl_b, 87.5),
                  comment="王评审的独到意见，不应被他人看到。")
    login(client, rp.unassigned)
    page = client.get(reverse("review:score", args=[a2.pk])).content.decode()
    assert "87.5" not in page and "王评审的独到意见" not in page


def test_a_copied_guide_gets_the_sheets_settings_and_limits(rp):
    from declarations.guide_admin import copy_guide
    from review.models import DirectionSetting, ReviewSettings

    sheet = ScoringSheet.objects.create(guide=rp.guide, direction=rp.direction, name="方向4评分表")
    Criterion.objects.create(sheet=sheet, name="场景数量", max_points=50, weight=2)
    DirectionSetting.objects.create(direction=rp.direction, selection_limit=4)
    cfg = ReviewSettings.objects.get(guide=rp.guide)
    cfg.blind, cfg.region_conflict = False, True
    cfg.save()
    copy = copy_guide(source=rp.guide, actor=rp.p.admin, year=rp.guide.year + 1)
    assert list(ScoringSheet.objects.get(guide=copy, direction=None).criteria.values_list("name", flat=True)) == [
        "项目综合实力", "关键技术创新", "经济社会效益", "产业化推广价值"]
    assert ScoringSheet.objects.get(guide=copy, direction__code="4").criteria.get().name == "场景数量"
    assert DirectionSetting.objects.get(direction__guide=copy, direction__code="4").selection_limit == 4
    copied = ReviewSettings.objects.get(guide=copy)
    assert (copied.blind, copied.region_conflict, copied.reviewers_per_declaration) == (False, True, 2)


def test_the_service_refuses_scores_from_a_conflicted_reviewer(rp):
    from review.models import Assignment

    a = Assignment.objects.create(declaration=rp.decl_a, reviewer=rp.conflicted)
    with pytest.raises(ReviewError, match="回避"):
        save_review(assignment=a, actor=rp.conflicted, scores={}, comment="")
