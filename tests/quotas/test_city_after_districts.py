"""A city confirms after its districts and keeps their order (issue 12; seed 002: the districts recommend
to the city, Binhai ≤6 and the others ≤2, and deliver their letters by the district deadline)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from quotas.administration import reopen_list, set_unit_setting
from quotas.formal_check import return_declaration
from quotas.lists import ListError
from quotas.recommendation import confirm_recommendations, set_ranking
from quotas.models import RecommendationList
from tests.utils import login

from .conftest import close_districts, confirm, passed, rec_list, recommend, submitted


@pytest.fixture
def city_quota(personas):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=5, deadline=None, reason="天津市名额", actor=p.admin)


def test_the_city_cannot_confirm_while_a_district_may_still_send(personas, city_quota):
    p = personas
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    with pytest.raises(ListError, match="下级单位尚未确认推荐名单且未到其截止时间：.*滨海新区"):
        confirm(p.city_staff, p.guide)
    assert not rec_list(p.city, p.guide).is_confirmed

    confirm(p.district_a_staff, p.guide)
    with pytest.raises(ListError, match="河西区") as refused:  # Hexi has not confirmed either
        confirm(p.city_staff, p.guide)
    assert "滨海新区" not in refused.value.message
    confirm(p.district_b_staff, p.guide)
    recommend(d, p.city_staff)
    assert confirm(p.city_staff, p.guide).is_confirmed


def test_after_the_district_deadline_the_city_confirms_and_the_late_district_is_told(personas, city_quota):
    p = personas
    waiting = passed(p.guide, p.district_b, p.district_b_staff)
    recommend(waiting, p.district_b_staff)  # Hexi ranked but never confirmed
    confirm(p.district_a_staff, p.guide)
    close_districts(p, p.district_b)
    confirm(p.city_staff, p.guide)

    told = Notification.objects.get(user=p.district_b_staff, kind="list_locked_out")
    assert p.city.name in told.body and "截止" in told.body
    assert not Notification.objects.filter(user=p.district_a_staff, kind="list_locked_out").exists()
    # Even with a new extension, Hexi can no longer send: the city's list is final.
    set_unit_setting(unit=p.district_b, guide=p.guide, quota=None,
                              deadline=timezone.now() + timedelta(days=1), reason="补报", actor=p.admin)
    with pytest.raises(ListError, match="上级单位.*已于 .* 确认推荐名单"):
        confirm(p.district_b_staff, p.guide)


def test_the_city_ranking_shows_and_keeps_each_districts_order(client, personas, city_quota):
    p = personas
    first, second = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    own = passed(p.guide, p.city, p.city_staff)
    for d in (first, second):
        recommend(d, p.district_a_staff)
    # Binhai puts the later submission first.
    rl = rec_list(p.district_a, p.guide)
    set_ranking(rec_list=rl, order=[second.pk, first.pk], actor=p.district_a_staff)
    confirm(p.district_a_staff, p.guide)

    city = rec_list(p.city, p.guide)
    order = list(city.entries.order_by("rank").values_list("declaration_id", flat=True))
    assert order.index(second.pk) < order.index(first.pk)
    assert set(order) == {first.pk, second.pk, own.pk}

    login(client, p.city_staff)
    html = client.get(reverse("quotas:ranking") + f"?guide={p.guide.pk}").content.decode()
    assert html.index(f'data-declaration="{second.pk}"') < html.index(f'data-declaration="{first.pk}"')
    assert "区级排序第 1 位" in html and "区级排序第 2 位" in html


def test_the_ranking_page_shows_every_blocker_before_the_password_is_asked(client, personas):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=1, deadline=None, reason="名额", actor=p.admin)
    a, b = (passed(p.guide, p.city, p.city_staff) for _ in range(2))
    recommend(a, p.city_staff)
    recommend(b, p.city_staff, on=False)
    submitted(p.guide, p.city)  # not yet checked
    # The ministry lowers the quota after the city recommended: now over quota.
    set_unit_setting(unit=p.city, guide=p.guide, quota=0, deadline=None, reason="名额调整", actor=p.admin)

    login(client, p.city_staff)
    html = client.get(reverse("quotas:ranking") + f"?guide={p.guide.pk}").content.decode()
    blockers = html[html.index('id="confirm-blockers"'):]
    blockers = blockers[:blockers.index("</div>")]
    assert "未完成形式审查" in blockers and "超出推荐名额" in blockers and "滨海新区" in blockers
    assert "河西区" in blockers
    button = html[html.index('data-bs-target="#confirm-modal"'):]
    assert button[:button.index(">")].endswith("disabled")


def test_the_confirm_dialog_lists_each_districts_state(client, personas, city_quota):
    p = personas
    confirm(p.district_a_staff, p.guide)
    close_districts(p, p.district_b)
    login(client, p.city_staff)
    html = client.get(reverse("quotas:ranking") + f"?guide={p.guide.pk}").content.decode()
    dialog = html[html.index('id="confirm-modal"'):]
    assert "已确认报送" in dialog and "未确认（已过截止时间）" in dialog
    assert "它将不能再报送" in dialog  # Hexi is warned about before the city confirms
    assert 'id="confirm-blockers"' not in html


def test_a_return_reason_says_what_to_fix(client, personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    with pytest.raises(ListError, match="至少 10 个字"):
        return_declaration(declaration=decl, actor=p.district_a_staff, reason="不合格")
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:return", args=[decl.pk]), {"reason": "材料不全"}, follow=True)
    assert "至少 10 个字" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "submitted"
    client.post(reverse("quotas:return", args=[decl.pk]), {"reason": "请补充第二个应用案例的客户证明材料"})
    decl.refresh_from_db()
    assert decl.state == "returned"


def test_pass_and_return_ask_for_confirmation(client, personas):
    p = personas
    decl = submitted(p.guide, p.district_a)
    login(client, p.district_a_staff)
    workspace = client.get(reverse("quotas:workspace") + f"?guide={p.guide.pk}").content.decode()
    row = workspace[workspace.index(f'<tr data-declaration="{decl.pk}"'):]
    assert "data-confirm=" in row[:row.index("</tr>")]
    page = client.get(reverse("quotas:declaration", args=[decl.pk])).content.decode()
    assert page.count("data-confirm=") == 2 and "js/quotas-workspace.js" in page


def test_letter_numbers_restart_each_year_per_unit(personas):
    p = personas
    d = passed(p.guide, p.district_a, p.district_a_staff)
    set_unit_setting(unit=p.district_a, guide=p.guide, quota=None,
                              deadline=timezone.now() + timedelta(days=800), reason="跨年演示", actor=p.admin)
    year = timezone.localdate().year
    first = confirm(p.district_a_staff, p.guide)
    assert first.document_number == f"推荐函〔{year}〕1号"
    reopen_list(rec_list=first, actor=p.admin, reason="更正排序")
    second = confirm(p.district_a_staff, p.guide)
    assert second.document_number == f"推荐函〔{year}〕2号"
    # Another unit's sequence is its own.
    assert confirm(p.district_b_staff, p.guide).document_number == f"推荐函〔{year}〕1号"
    reopen_list(rec_list=second, actor=p.admin, reason="次年更正")
    next_year = timezone.now() + timedelta(days=400)
    third = confirm_recommendations(rec_list=rec_list(p.district_a, p.guide), actor=p.district_a_staff,
                                             now=next_year)
    assert third.document_number == f"推荐函〔{timezone.localtime(next_year).year}〕1号"
    assert RecommendationList.objects.get(pk=third.pk).entries.filter(declaration=d).exists()
