"""A guide is checked before it opens (issue 12).

Seeds: every notice carries a document number (000 工信厅信发函〔2021〕14号, 001 〔2019〕243号,
002 〔2022〕71号); 002 asks for the applicant's 2021 annual statistics report in the 2022 guide
(the year before the guide's); quotas per unit kind (000, 001, 003; 002 for Tianjin's districts);
000 names the four review dimensions that the default sheet weights to 100%.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations import guide_admin
from declarations.guide_admin import GuideEditError
from declarations.models import Rule
from quotas.models import QuotaRule
from review.models import ScoringSheet
from tests.factories import PASSWORD, make_guide
from tests.utils import login


@pytest.fixture
def copy(personas):
    """Next year's copy of the 2022 guide as an admin makes it: unpublished, no document number."""
    return guide_admin.copy_guide(source=personas.guide, actor=personas.admin, year=2023)


def _fix_everything(copy):
    copy.doc_number = "工信厅信发函〔2023〕1号"
    copy.save()
    Rule.objects.filter(guide=copy, kind=Rule.Kind.STATS_REPORT).update(
        params={"report_year": 2022}, message="申报单位须已完成2022年度软件和信息技术服务业统计年报的报送工作")
    QuotaRule.objects.create(guide=copy, unit_kind="province", quota=10)


def _failing(guide):
    return {str(item.label): item.problem for item in guide_admin.publish_checklist(guide) if not item.ok}


def test_a_copied_guide_is_refused_until_each_item_is_fixed(copy):
    failing = _failing(copy)
    assert set(failing) == {"文号", "统计报表年度", "推荐名额"}
    assert "应为 2022 年" in failing["统计报表年度"] and "2021" in failing["统计报表年度"]
    assert "省级主管部门没有推荐名额" in failing["推荐名额"]
    with pytest.raises(GuideEditError, match="请填写指南文号.*统计报表年度应为 2022 年.*没有推荐名额"):
        guide_admin.publish_guide(guide=copy, actor=None)
    _fix_everything(copy)
    assert _failing(copy) == {}
    assert guide_admin.publish_guide(guide=copy, actor=None).is_published


def test_deadlines_must_be_in_order_and_in_the_future(copy):
    _fix_everything(copy)
    now = timezone.now()
    copy.applicant_deadline, copy.unit_deadline = now + timedelta(days=10), now + timedelta(days=5)
    copy.save()
    assert "不能早于申报截止时间" in _failing(copy)["截止时间"]
    copy.applicant_deadline = now - timedelta(days=1)
    copy.save()
    assert "申报截止时间已过" in _failing(copy)["截止时间"]


def test_districts_need_quotas_only_where_the_guide_delegates_to_them(personas, copy):
    _fix_everything(copy)
    assert "推荐名额" not in _failing(copy)  # the 2022 data gives every district 2 places
    QuotaRule.objects.filter(guide=copy, unit_kind="district").delete()
    assert "推荐名额" not in _failing(copy)  # no district quota at all: the province recommends itself
    from quotas.administration import set_unit_setting

    set_unit_setting(unit=personas.district_a, guide=copy, quota=6, deadline=None, reason="滨海新区", actor=None)
    assert "河西区" in _failing(copy)["推荐名额"]  # delegated to Binhai only: Hexi would have no place


def test_the_scoring_sheet_weights_must_sum_to_100_percent(copy):
    _fix_everything(copy)
    sheet = ScoringSheet.objects.get(guide=copy, direction=None)
    assert sheet.weight_total() == Decimal("1.00") and sheet.check_weights() == ""
    criterion = sheet.criteria.first()
    criterion.weight = Decimal("0.20")
    criterion.save()
    assert "权重合计为 90%，应为 100%" in _failing(copy)["评分表（权重合计 100%）"]


def test_publishing_shows_the_checklist_and_asks_for_the_password(client, personas, copy):
    login(client, personas.admin)
    html = client.get(reverse("guides:detail", args=[copy.pk])).content.decode()
    assert 'id="publish-checklist"' in html and html.count('data-check="fail"') == 3
    assert 'name="confirm_password"' in html
    _fix_everything(copy)
    html = client.get(reverse("guides:detail", args=[copy.pk])).content.decode()
    assert 'data-check="fail"' not in html and html.count('data-check="ok"') >= 6

    client.post(reverse("guides:publish", args=[copy.pk]), {"confirm_password": "wrong"})
    copy.refresh_from_db()
    assert not copy.is_published
    client.post(reverse("guides:publish", args=[copy.pk]), {"confirm_password": PASSWORD})
    copy.refresh_from_db()
    assert copy.is_published


def test_internal_notes_stay_with_the_admin_and_are_not_copied(client, personas, copy):
    shipped = personas.guide.notes
    assert "种子" in shipped  # how the 2022 file was read from seed 002: for the admin only
    assert copy.notes == ""
    login(client, personas.applicant_a)
    html = client.get(reverse("declarations:guide", args=[personas.guide.pk])).content.decode()
    assert shipped[:20] not in html and "种子" not in html
    login(client, personas.admin)
    html = client.get(reverse("guides:detail", args=[personas.guide.pk])).content.decode()
    assert "仅管理员可见" in html and shipped[:20] in html


def test_a_guide_built_from_each_shipped_year_passes_its_own_checks_where_the_seed_is_complete(db):
    guide = make_guide(2021, published=False)
    assert _failing(guide) == {}
