"""Starting a declaration, saving it while typing, two tabs, and submitting."""

import json
import threading

import pytest
from django.db import connection
from django.urls import reverse

from core.models import AuditRecord
from declarations import services
from declarations.models import Declaration
from tests.factories import complete_declaration
from tests.utils import login


def form_data(decl, **overrides):
    """What the edit page posts, as a browser would send it."""
    data = {
        "version": decl.version, "project_name": decl.project_name,
        "direction": decl.direction_id or "", "applicant_role": decl.applicant_role,
        "construction_status": decl.construction_status, "unit": decl.unit_id or "",
        "summary": decl.summary, "innovation": decl.innovation,
        "ip_items": json.dumps(decl.ip_items, ensure_ascii=False), "cases": json.dumps(decl.cases, ensure_ascii=False),
        "benefits": decl.benefits, "promotion": decl.promotion, "open_source": decl.open_source,
        "stats_report_year": decl.stats_report_year or "",
    }
    if decl.stats_report_filed:
        data["stats_report_filed"] = "on"
    data.update(overrides)
    return data


@pytest.fixture
def draft(guide, org, applicant):
    decl, _created = services.start_declaration(guide, organisation=org, actor=applicant)
    return decl


# --- starting -----------------------------------------------------------------------------

def test_start_creates_one_draft_and_a_second_click_opens_it(applicant_client, guide, org):
    url = reverse("declarations:start", args=[guide.pk])
    first = applicant_client.post(url)
    second = applicant_client.post(url)
    decl = Declaration.objects.get(guide=guide, organisation=org)
    assert first.url == second.url == reverse("declarations:edit", args=[decl.pk])
    assert AuditRecord.objects.filter(action="declaration.create", target_id=str(decl.pk)).count() == 1


def test_start_rejects_get(applicant_client, guide):
    assert applicant_client.get(reverse("declarations:start", args=[guide.pk])).status_code == 405


def test_start_losing_the_insert_race_answers_the_winners_draft(guide, org, applicant, monkeypatch):
    winner = Declaration.objects.create(guide=guide, organisation=org)
    # Both requests passed the "already exists?" check before either inserted.
    monkeypatch.setattr(services, "_existing_declaration", lambda guide, organisation: None)
    decl, created = services.start_declaration(guide, organisation=org, actor=applicant)
    assert (decl.pk, created) == (winner.pk, False)
    assert Declaration.objects.filter(guide=guide, organisation=org).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_start_view_racing_twice_answers_the_same_draft():
    from django.test import Client

    from tests.factories import make_guide, make_org, make_user

    guide = make_guide(2022)
    org = make_org()
    user = make_user("applicant", organisation=org)
    barrier = threading.Barrier(2)
    answers = []

    def click():
        client = login(Client(), user)
        barrier.wait()
        answers.append(client.post(reverse("declarations:start", args=[guide.pk])))
        connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    decl = Declaration.objects.get(guide=guide, organisation=org)
    assert [a.status_code for a in answers] == [302, 302]
    assert {a.url for a in answers} == {reverse("declarations:edit", args=[decl.pk])}


def test_start_is_refused_for_an_unpublished_guide(applicant_client):
    from tests.factories import make_guide

    hidden = make_guide(2022, published=False)
    assert applicant_client.post(reverse("declarations:start", args=[hidden.pk])).status_code == 404


# --- autosave and the two-tab conflict --------------------------------------------------

def test_autosave_stores_the_draft_and_answers_the_new_version(applicant_client, draft):
    url = reverse("declarations:autosave", args=[draft.pk])
    response = applicant_client.post(url, form_data(draft, project_name="城市数据大脑", summary="正在输入的简介"))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["version"] == draft.version + 1
    draft.refresh_from_db()
    assert (draft.project_name, draft.summary) == ("城市数据大脑", "正在输入的简介")


def test_autosave_keeps_case_rows_without_a_name_yet(applicant_client, draft):
    rows = [{"name": "", "customer": "先填了客户", "description": ""}, {"name": "", "customer": "", "description": ""}]
    response = applicant_client.post(reverse("declarations:autosave", args=[draft.pk]),
                                     form_data(draft, cases=json.dumps(rows, ensure_ascii=False)))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.cases == [{"name": "", "customer": "先填了客户", "description": ""}]


def test_two_tabs_the_second_save_with_the_old_version_gets_409(applicant_client, draft):
    url = reverse("declarations:autosave", args=[draft.pk])
    tab1 = form_data(draft, project_name="第一个窗口的名称")
    tab2 = form_data(draft, project_name="第二个窗口的名称")  # loaded at the same version
    assert applicant_client.post(url, tab1).status_code == 200
    conflict = applicant_client.post(url, tab2)
    assert conflict.status_code == 409
    assert conflict.json()["conflict"] is True
    assert "其他窗口" in conflict.json()["message"]
    draft.refresh_from_db()
    assert draft.project_name == "第一个窗口的名称"


def test_two_tabs_the_edit_page_answers_409_and_keeps_what_the_user_typed(applicant_client, draft):
    url = reverse("declarations:edit", args=[draft.pk])
    stale = form_data(draft, project_name="旧窗口里输入的内容", save="1")
    assert applicant_client.post(reverse("declarations:autosave", args=[draft.pk]),
                                 form_data(draft, project_name="新窗口保存的内容")).status_code == 200
    response = applicant_client.post(url, stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "旧窗口里输入的内容" in page  # still on the page, to copy
    assert "为避免覆盖" in page
    draft.refresh_from_db()
    assert draft.project_name == "新窗口保存的内容"


def test_autosave_refuses_bad_input_with_a_specific_message_and_keeps_the_draft(applicant_client, draft):
    services.save_draft(draft, {"project_name": "已保存的名称"}, expected_version=draft.version)
    response = applicant_client.post(reverse("declarations:autosave", args=[draft.pk]),
                                     form_data(draft, project_name="新名称", stats_report_year="1900"))
    assert response.status_code == 400
    assert "统计报表年度请填写 2015–2100 之间的四位年份" in response.json()["message"]
    draft.refresh_from_db()
    assert draft.project_name == "已保存的名称"


@pytest.mark.parametrize("field,value,message", [
    ("direction", "999999", "“申报方向”的选项无效，请从列表中重新选择"),
    ("unit", "999999", "“推荐单位”的选项无效，请从列表中重新选择"),
    ("cases", "not json", "列表数据格式不正确，请刷新页面后重试"),
    ("cases", json.dumps([{"name": "x" * 101}]), "“应用案例”第 1 行有一项超过 100 字，请精简"),
    ("summary", "字" * 2001, "“项目简介”不能超过 2000 个字"),
])
def test_autosave_validates_every_field(applicant_client, draft, field, value, message):
    response = applicant_client.post(reverse("declarations:autosave", args=[draft.pk]),
                                     form_data(draft, **{field: value}))
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_a_unit_of_another_region_is_not_offered(applicant_client, draft, district):
    from tests.factories import make_unit

    hebei = make_unit("河北省工业和信息化厅（草稿测试）", region="13")
    page = applicant_client.get(reverse("declarations:edit", args=[draft.pk])).content.decode()
    assert district.name in page and hebei.name not in page
    response = applicant_client.post(reverse("declarations:autosave", args=[draft.pk]),
                                     form_data(draft, unit=hebei.pk))
    assert response.status_code == 400


def test_many_autosaves_leave_one_history_line(applicant_client, draft):
    url = reverse("declarations:autosave", args=[draft.pk])
    for i in range(4):
        draft.refresh_from_db()
        assert applicant_client.post(url, form_data(draft, summary=f"第{i}次")).status_code == 200
    assert AuditRecord.objects.filter(action="declaration.save", target_id=str(draft.pk)).count() == 1


def test_autosave_rejects_get(applicant_client, draft):
    assert applicant_client.get(reverse("declarations:autosave", args=[draft.pk])).status_code == 405


# --- submitting -----------------------------------------------------------------------------

def test_submit_lists_every_failing_rule_next_to_its_field_and_keeps_the_draft(applicant_client, draft, guide):
    direction = guide.directions.get(code="4")
    data = form_data(draft, project_name="半成品", direction=direction.pk, construction_status="planned",
                     submit="1")
    response = applicant_client.post(reverse("declarations:edit", args=[draft.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    for message in ["请选择推荐单位", "申报项目须为在建或已建项目，当前选择的是“拟建”", "请填写项目简介",
                    "请确认已在工业和信息化部运行监测系统完成 2021 年度统计报表填报", "须拥有自主知识产权"]:
        assert message in page
    assert 'href="#id_construction_status"' in page
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.project_name == "半成品"


def test_a_complete_declaration_is_submitted_and_shows_its_history(applicant_client, guide, org, district,
                                                                     applicant):
    decl = complete_declaration(guide, org, district)
    response = applicant_client.post(reverse("declarations:edit", args=[decl.pk]), form_data(decl, submit="1"))
    assert response.status_code == 302
    decl.refresh_from_db()
    assert decl.state == "submitted" and decl.submitted_at is not None
    page = applicant_client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "已提交，待形式审查" in page
    assert "提交申报" in page and str(applicant) in page
    assert "撤回申报" in page


def test_a_submitted_declaration_cannot_be_edited_or_autosaved(applicant_client, guide, org, district, applicant):
    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    assert applicant_client.get(reverse("declarations:edit", args=[decl.pk])).url == reverse(
        "declarations:detail", args=[decl.pk])
    response = applicant_client.post(reverse("declarations:autosave", args=[decl.pk]),
                                     form_data(decl, project_name="偷偷修改"))
    assert response.status_code == 400
    assert "不能修改；如需修改请先撤回" in response.json()["message"]
    decl.refresh_from_db()
    assert decl.project_name != "偷偷修改"


def test_withdraw_returns_to_draft_and_can_be_submitted_again(applicant_client, guide, org, district, applicant):
    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    response = applicant_client.post(reverse("declarations:withdraw", args=[decl.pk]), follow=True)
    assert "申报已撤回" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "draft"
    services.submit_declaration(decl, actor=applicant)
    assert decl.state == "submitted"


def test_withdraw_of_a_draft_says_why_not(applicant_client, draft):
    response = applicant_client.post(reverse("declarations:withdraw", args=[draft.pk]), follow=True)
    assert "只有“已提交，待形式审查”的申报可以撤回，当前状态为“草稿”" in response.content.decode()


def test_withdraw_get_only_asks_and_changes_nothing(applicant_client, draft):
    response = applicant_client.get(reverse("declarations:withdraw", args=[draft.pk]))
    assert response.status_code == 302  # a draft cannot be withdrawn: back to its page, with the reason
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_a_tab_saving_after_another_tab_submitted_is_told_so(applicant_client, guide, org, district, applicant):
    decl = complete_declaration(guide, org, district)
    stale = form_data(decl, project_name="晚到的修改")
    services.submit_declaration(Declaration.objects.get(pk=decl.pk), actor=applicant)
    # The stale tab still holds a draft copy: the server re-reads the state and refuses.
    decl.state = "draft"
    with pytest.raises(services.TransitionError) as e:
        services.save_draft(decl, {"project_name": "晚到的修改"}, expected_version=stale["version"])
    assert "已在其他窗口提交" in e.value.message
    response = applicant_client.post(reverse("declarations:autosave", args=[decl.pk]), stale)
    assert response.status_code == 400
    decl.refresh_from_db()
    assert decl.project_name != "晚到的修改" and decl.state == "submitted"


def test_2017_autosave_keeps_up_to_two_directions(applicant_client, org, applicant):
    from tests.factories import make_guide

    g = make_guide(2017)
    decl = services.start_declaration(g, organisation=org, actor=applicant)[0]
    d1, d2, d3 = (g.directions.get(code=c) for c in "123")
    url = reverse("declarations:autosave", args=[decl.pk])
    ok = applicant_client.post(url, {**form_data(decl, direction=d1.pk), "extra_directions": [d1.pk, d2.pk]})
    assert ok.status_code == 200
    decl.refresh_from_db()
    assert [d.code for d in decl.all_directions()] == ["1", "2"]
    assert list(decl.extra_directions.values_list("code", flat=True)) == ["2"]
    too_many = applicant_client.post(url, {**form_data(decl, direction=d1.pk),
                                           "extra_directions": [d2.pk, d3.pk]})
    assert too_many.status_code == 400
    assert "本指南每个项目最多选择 2 个方向（含主方向），当前选择了 3 个" in too_many.json()["message"]
    assert list(decl.extra_directions.values_list("code", flat=True)) == ["2"]
