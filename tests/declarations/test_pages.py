"""The organisation page, the returned-for-revision flow, the dashboard and the guide page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord
from declarations import services
from declarations.models import Declaration, Guide
from declarations.templatetags.declaration_tags import time_left
from tests.declarations.conftest import PDF_BYTES
from tests.declarations.test_drafts import form_data
from tests.factories import complete_declaration, make_guide, make_user
from tests.utils import login


# --- organisation profile ---------------------------------------------------------------

def profile(org, **overrides):
    data = {"contact_name": org.contact_name, "contact_phone": org.contact_phone,
            "contact_email": org.contact_email, "address": org.address, "dcmm_level": org.dcmm_level}
    data.update(overrides)
    return data


def test_the_profile_changes_contacts_and_records_old_and_new(applicant_client, org):
    response = applicant_client.post(reverse("declarations:organisation"),
                                     profile(org, contact_phone="13687654321", address="天津市滨海新区"),
                                     follow=True)
    assert "单位信息已保存" in response.content.decode()
    org.refresh_from_db()
    assert (org.contact_phone, org.address) == ("13687654321", "天津市滨海新区")
    audit = AuditRecord.objects.get(action="organisation.update", target_id=str(org.pk))
    assert audit.data["changes"]["contact_phone"] == ["13800000000", "13687654321"]
    assert "联系人手机" in audit.summary
    assert "修改单位信息" in response.content.decode()  # the history on the page


def test_raising_the_dcmm_level_needs_a_certificate(applicant_client, org):
    org.dcmm_level = 0
    org.save()
    refused = applicant_client.post(reverse("declarations:organisation"), profile(org, dcmm_level=4))
    assert refused.status_code == 400
    assert "DCMM 等级有变化时，请上传与新等级对应的 DCMM 证书" in refused.content.decode()
    org.refresh_from_db()
    assert org.dcmm_level == 0
    data = profile(org, dcmm_level=4, dcmm_certificate=SimpleUploadedFile("dcmm.pdf", PDF_BYTES))
    assert applicant_client.post(reverse("declarations:organisation"), data).status_code == 302
    org.refresh_from_db()
    assert org.dcmm_level == 4 and org.dcmm_certificate
    audit = AuditRecord.objects.get(action="organisation.update", target_id=str(org.pk))
    assert audit.data["changes"]["dcmm_level"] == [0, 4]
    assert audit.data["changes"]["dcmm_certificate"][1] == "dcmm.pdf"


@pytest.mark.parametrize("overrides,message", [
    ({"contact_phone": "12345"}, "请输入 11 位中国大陆手机号码"),
    ({"contact_email": "x@"}, "请输入有效的电子邮箱地址"),
    ({"contact_name": ""}, "请填写联系人"),
    ({"dcmm_level": 9}, "“DCMM 等级”的选项无效"),
])
def test_the_profile_says_what_to_fix(applicant_client, org, overrides, message):
    response = applicant_client.post(reverse("declarations:organisation"), profile(org, **overrides))
    assert response.status_code == 400 and message in response.content.decode()


def test_the_profile_cannot_change_identity_fields(applicant_client, org):
    applicant_client.post(reverse("declarations:organisation"),
                          profile(org, name="改名公司", credit_code="91110000600037341X", region="11"))
    org.refresh_from_db()
    assert org.name != "改名公司" and org.region == "12"


# --- returned for revision ----------------------------------------------------------------

def test_a_returned_declaration_is_edited_and_resubmitted(applicant_client, guide, org, district, applicant):
    unit_staff = make_user("unit", unit=district)
    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    services.return_for_revision(decl, actor=unit_staff, reason="应用案例缺少用户证明材料")

    dashboard = applicant_client.get(reverse("declarations:dashboard")).content.decode()
    assert "退回修改" in dashboard and "请按退回理由修改后重新提交" in dashboard
    detail = applicant_client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "应用案例缺少用户证明材料" in detail and "修改并重新提交" in detail
    edit = applicant_client.get(reverse("declarations:edit", args=[decl.pk])).content.decode()
    assert "应用案例缺少用户证明材料" in edit and "重新提交申报" in edit

    decl.refresh_from_db()
    response = applicant_client.post(reverse("declarations:edit", args=[decl.pk]),
                                     form_data(decl, summary="补充了用户证明", submit="1"))
    assert response.status_code == 302
    decl.refresh_from_db()
    assert (decl.state, decl.summary, decl.return_reason) == ("submitted", "补充了用户证明", "")
    history = applicant_client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "退回修改" in history and "修改后重新提交申报" in history and "应用案例缺少用户证明材料" in history


def test_a_returned_declaration_cannot_be_resubmitted_after_the_deadline(guide, org, district, applicant):
    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    services.return_for_revision(decl, actor=None, reason="请补充材料")
    with pytest.raises(services.TransitionError):
        services.submit_declaration(decl, actor=applicant, now=guide.applicant_deadline)
    decl.refresh_from_db()
    assert decl.state == "returned"


# --- dashboard and guide page -------------------------------------------------------------

def test_time_left_reads_in_days_hours_and_minutes():
    now = timezone.now()
    assert time_left(now + timedelta(days=12, hours=3, minutes=5), now) == "12 天 3 小时"
    assert time_left(now + timedelta(hours=5, minutes=20), now) == "5 小时 20 分钟"
    assert time_left(now + timedelta(seconds=30), now) == "1 分钟"
    assert time_left(now - timedelta(seconds=1), now) == "已截止"


def test_the_dashboard_shows_time_left_and_the_state(applicant_client, guide, org):
    page = applicant_client.get(reverse("declarations:dashboard")).content.decode()
    assert "距截止还有 29 天" in page or "距截止还有 30 天" in page
    assert "开始申报" in page
    Declaration.objects.create(guide=guide, organisation=org, project_name="我的项目")
    page = applicant_client.get(reverse("declarations:dashboard")).content.decode()
    assert "我的项目" in page and "草稿" in page and "继续填写" in page


def test_a_guide_closing_soon_is_highlighted(applicant_client, guide):
    guide.applicant_deadline = timezone.now() + timedelta(hours=5, minutes=30)
    guide.save()
    page = applicant_client.get(reverse("declarations:dashboard")).content.decode()
    assert "text-danger fw-bold time-left" in page and "距截止还有 5 小时" in page


def test_the_guide_page_shows_requirement_texts_and_rules_in_plain_chinese(applicant_client, guide):
    page = applicant_client.get(reverse("declarations:guide", args=[guide.pk])).content.decode()
    direction4 = guide.directions.get(code="4")
    assert direction4.requirements[:20] in page and direction4.content[:20] in page
    assert direction4.outcomes[:20] in page
    assert "项目建设状态须为在建或已建" in page
    assert "须已在工业和信息化部运行监测系统完成 2021 年度统计报表填报" in page
    assert "方向 4（大数据重点产品）：须填写不少于 5 个应用场景" in page
    assert "申报主体为技术服务提供方的，须填写不少于 5 个部署企业" in page
    assert "DCMM 3 级及以上的申报主体不占用推荐单位的推荐名额" in page
    assert "每个项目只能选择 1 个申报方向" in page


def test_the_2021_guide_page_explains_the_dcmm_rule(applicant_client, db):
    guide = make_guide(2021)
    page = applicant_client.get(reverse("declarations:guide", args=[guide.pk])).content.decode()
    assert "申报主体为数据要素拥有方且不是工业企业的，DCMM 等级须达到 4级（量化管理级） 及以上" in page


def test_the_edit_form_only_shows_what_the_guide_asks(applicant_client, org, applicant):
    g2017 = make_guide(2017)
    decl = services.start_declaration(g2017, organisation=org, actor=applicant)[0]
    page = applicant_client.get(reverse("declarations:edit", args=[decl.pk])).content.decode()
    assert 'name="stats_report_filed"' not in page and 'name="applicant_role"' not in page
    assert 'name="extra_directions"' in page and "最多可选 2 个方向" in page


def test_the_edit_form_shows_saved_choices_and_outlines_a_field_with_an_error(applicant_client, org, applicant):
    import re

    g2017 = make_guide(2017)
    decl = services.start_declaration(g2017, organisation=org, actor=applicant)[0]
    d1, d2 = g2017.directions.order_by("order", "pk")[:2]
    Declaration.objects.filter(pk=decl.pk).update(direction=d1)
    decl.extra_directions.set([d2])
    url = reverse("declarations:edit", args=[decl.pk])
    page = applicant_client.get(url).content.decode()
    assert re.search(rf'<option value="{d1.pk}" selected>', page)
    assert re.search(rf'<input type="checkbox" name="extra_directions" value="{d2.pk}"[^>]*checked', page)
    assert not re.search(rf'<input type="checkbox" name="extra_directions" value="{d1.pk}"[^>]*checked', page)

    response = applicant_client.post(url, {**form_data(Declaration.objects.get(pk=decl.pk)),
                                           "project_name": "项" * 101})
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'<input type="text" name="project_name"[^>]*class="form-control is-invalid"', page)
    assert '<div class="invalid-feedback d-block">“项目名称”不能超过 100 个字</div>' in page


# --- fixed query counts ---------------------------------------------------------------------

def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_declarations(client, district):
    from tests.factories import make_org

    org = make_org()
    user = make_user("applicant", organisation=org)
    login(client, user)

    def add(n):
        start = Guide.objects.count()
        for i in range(n):
            g = Guide.objects.create(year=2000 + start + i, title=f"历年指南{start + i}", is_published=True,
                                     applicant_deadline=timezone.now() + timedelta(days=i - 5))
            Declaration.objects.create(guide=g, organisation=org, unit=district, project_name=f"项目{i}")

    add(3)
    few = count_queries(client, reverse("declarations:dashboard"))
    add(27)
    assert Declaration.objects.filter(organisation=org).count() == 30
    assert count_queries(client, reverse("declarations:dashboard")) == few


@pytest.mark.parametrize("url_name", ["declarations:detail", "declarations:edit"])
def test_declaration_pages_query_count_does_not_grow_with_attachments(applicant_client, guide, org, district,
                                                                      applicant, url_name):
    decl = complete_declaration(guide, org, district)
    decl.extra_directions.set([])

    def add(n):
        for i in range(n):
            services.add_attachment(decl, upload=SimpleUploadedFile(f"附件{i}.pdf", PDF_BYTES),
                                    mime="application/pdf", actor=applicant)

    add(3)
    url = reverse(url_name, args=[decl.pk])
    applicant_client.get(url)  # the guide's data is cached from now on, as for every later request
    few = count_queries(applicant_client, url)
    add(services.MAX_ATTACHMENTS - decl.attachments.count())
    assert count_queries(applicant_client, url) == few
