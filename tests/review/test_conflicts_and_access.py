import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from declarations.access import can_view_declaration
from declarations.models import Attachment
from review.conflicts import conflict_reason
from review.models import Assignment, ReviewerProfile
from review.assignment import add_reviewer, assign_reviewers
from review.base import ReviewError
from review.setup import settings_for
from tests.utils import login


def _force_assign(decl, reviewer):
    """An assignment made before the conflict was known (bypassing the service's check)."""
    return Assignment.objects.create(declaration=decl, reviewer=reviewer)


def test_same_employer_is_a_conflict(rp):
    profile = rp.conflicted.reviewer_profile
    assert conflict_reason(profile, rp.decl_a) == "专家工作单位与申报单位相同"
    assert conflict_reason(profile, rp.decl_b) == ""


def test_employer_match_ignores_spacing_and_bracket_width(rp):
    rp.p.org_a.name = "甲数据（天津）公司"
    rp.p.org_a.save()
    profile = rp.conflicted.reviewer_profile
    profile.employer = "甲数据 (天津) 公司"
    assert conflict_reason(profile, rp.decl_a) == "专家工作单位与申报单位相同"


def test_declared_conflict(rp):
    profile = rp.assigned.reviewer_profile
    profile.conflicts.add(rp.p.org_b)
    assert conflict_reason(profile, rp.decl_b) == "专家已申明与申报单位存在利益关系"


def test_region_conflict_only_with_the_switch_on(rp):
    profile = rp.assigned.reviewer_profile
    profile.region = "12"  # org_a and org_b are in Tianjin
    profile.save()
    assert conflict_reason(profile, rp.decl_a, region_switch=False) == ""
    assert "同一地区" in conflict_reason(profile, rp.decl_a, region_switch=True)
    cfg = settings_for(rp.guide)
    cfg.region_conflict = True
    cfg.save()
    report = assign_reviewers(guide=rp.guide, actor=rp.p.admin)
    assert not Assignment.objects.filter(reviewer=rp.assigned).exists()
    assert report.problems
    with pytest.raises(ReviewError, match="同一地区"):
        add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)


@pytest.mark.parametrize("kind", ["employer", "declared", "region"])
def test_a_conflicted_reviewer_cannot_open_score_or_download(rp, client, kind):
    reviewer = rp.assigned
    a = _force_assign(rp.decl_a, reviewer)
    att = Attachment(declaration=rp.decl_a, original_name="甲数据公司营业执照.pdf", size=4,
                     content_type="application/pdf", sha256="0" * 64)
    att.file.save("x.pdf", ContentFile(b"%PDF"), save=True)
    profile = reviewer.reviewer_profile
    if kind == "employer":
        profile.employer = "甲数据公司"
        profile.save()
    elif kind == "declared":
        profile.conflicts.add(rp.p.org_a)
    else:
        profile.region = "12"
        profile.save()
        settings_for(rp.guide).__class__.objects.filter(guide=rp.guide).update(region_conflict=True)
    login(client, reviewer)
    assert client.get(reverse("review:score", args=[a.pk])).status_code == 404
    assert client.get(reverse("review:application_form", args=[a.pk])).status_code == 404
    assert client.get(reverse("review:attachment", args=[a.pk, 1])).status_code == 404
    assert client.post(reverse("review:score", args=[a.pk]), {"comment": "x", "submit": "1"}).status_code == 404
    assert client.get(reverse("declarations:download_attachment", args=[att.pk])).status_code == 404
    assert "甲数据" not in client.get(reverse("review:queue")).content.decode()
    assert not can_view_declaration(reviewer, rp.decl_a)


def test_an_unassigned_reviewer_cannot_open_a_declaration(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.unassigned)
    assert client.get(reverse("review:score", args=[a.pk])).status_code == 404
    assert client.get(reverse("review:application_form", args=[a.pk])).status_code == 404
    assert not can_view_declaration(rp.unassigned, rp.decl_b)
    assert can_view_declaration(rp.assigned, rp.decl_b)
    assert can_view_declaration(rp.p.admin, rp.decl_b)


def test_a_declined_assignment_can_no_longer_be_opened(rp, client):
    from review.assignment import decline_assignment

    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.assigned)
    response = client.post(reverse("review:decline", args=[a.pk]), {"reason": "出差无法按时评审"})
    assert response.status_code == 302
    assert client.get(reverse("review:score", args=[a.pk])).status_code == 404
    with pytest.raises(ReviewError):
        decline_assignment(assignment=a, actor=rp.assigned, reason="再次")


def test_declaring_a_conflict_is_recorded_for_the_ministry_and_keeps_the_assignment(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.assigned)
    response = client.post(reverse("review:profile"), {"organisation": rp.p.org_b.credit_code})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == "active"  # the ministry reassigns it (tests/security/test_blind_review.py)
    declaration = rp.assigned.reviewer_profile.conflict_declarations.get()
    assert declaration.organisation == rp.p.org_b and declaration.is_pending


def test_other_roles_are_kept_out(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    for user in (rp.p.applicant_b, rp.p.city_staff):
        login(client, user)
        assert client.get(reverse("review:score", args=[a.pk])).status_code == 403
        assert client.get(reverse("review:manage_guide", args=[rp.guide.pk])).status_code == 403
        assert client.get(reverse("review:ranking", args=[rp.guide.pk])).status_code == 403
    login(client, rp.assigned)
    assert client.get(reverse("review:ranking", args=[rp.guide.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("review:queue")).status_code == 302


def test_post_only_views_reject_get(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.assigned)
    assert client.get(reverse("review:decline", args=[a.pk])).status_code == 405
    login(client, rp.p.admin)
    for name, args in [("assign", [rp.guide.pk]), ("publish", [rp.guide.pk]), ("notice", [rp.guide.pk]),
                       ("select", [rp.guide.pk]), ("remove_assignment", [a.pk]), ("settings", [rp.guide.pk])]:
        assert client.get(reverse(f"review:{name}", args=args)).status_code == 405


def test_bad_input_never_gives_a_500(rp, client):
    login(client, rp.p.admin)
    g = rp.guide.pk
    assert client.get(reverse("review:ranking", args=[g]) + "?panel=x&direction=999999&unit=-1&region=zz").status_code == 200
    response = client.post(reverse("review:add_assignment", args=[g]), {"declaration": "abc"}, follow=True)
    assert "请选择本指南下已推荐的项目" in response.content.decode()
    assert client.post(reverse("review:add_assignment", args=[g]), {"declaration": rp.decl_a.pk, "reviewer": "x"}).status_code == 302
    response = client.post(reverse("review:select", args=[g]), {"declaration": ""}, follow=True)
    assert "请选择本指南下已推荐的项目" in response.content.decode()
    assert client.post(reverse("review:notice", args=[g]), {"start": "2026-13-01", "end": ""}).status_code == 302
    assert client.post(reverse("review:settings", args=[g]), {"reviewers_per_declaration": "0",
                                                              "disagreement_threshold": "abc"}).status_code == 302
    assert client.get(reverse("review:manage_guide", args=[999999])).status_code == 404
    assert ReviewerProfile.objects.count() == 3


def test_settings_form_shows_specific_messages(rp, client):
    login(client, rp.p.admin)
    response = client.post(reverse("review:settings", args=[rp.guide.pk]),
                           {"reviewers_per_declaration": "0", "disagreement_threshold": "abc"}, follow=True)
    page = response.content.decode()
    assert "每个项目至少需要 1 名评审专家" in page and "分歧提示阈值须为数字" in page


def test_admin_sees_an_assignment_that_became_conflicted(rp, client):
    a = _force_assign(rp.decl_a, rp.conflicted)  # e.g. made before the employer was recorded
    login(client, rp.p.admin)
    html = client.get(reverse("review:assignments", args=[rp.guide.pk])).content.decode()
    assert "须回避" in html and "专家工作单位与申报单位相同" in html
    client.post(reverse("review:swap_assignment", args=[a.pk]), {"reviewer": rp.assigned.pk})
    assert list(rp.decl_a.assignments.values_list("reviewer", flat=True)) == [rp.assigned.pk]


def test_ranking_shows_the_direction_limit(rp, client):
    from review.models import DirectionSetting
    from review.selection import set_selected

    DirectionSetting.objects.create(direction=rp.direction, selection_limit=3)
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    login(client, rp.p.admin)
    html = client.get(reverse("review:ranking", args=[rp.guide.pk])).content.decode()
    assert "拟入选 1 个，上限 3 个" in html
