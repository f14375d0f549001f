"""The ministry edits attachment kinds and uploads the notice and template in the site; who may download them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditRecord
from tests.declarations.conftest import PDF_BYTES, PNG_BYTES
from tests.factories import make_guide
from tests.utils import login


def _kind_data(**overrides):
    data = {"code": "plan", "name": "项目实施方案", "help_text": "盖章扫描件", "required": "on",
            "allowed_types": ["application/pdf"], "order": "9"}
    data.update(overrides)
    return data


def test_the_ministry_adds_edits_and_deletes_a_kind_on_the_guide_page(client, personas):
    guide = personas.guide
    login(client, personas.admin)
    direction = guide.directions.get(code="1")
    response = client.post(reverse("guides:kind_add", args=[guide.pk]), _kind_data(directions=[direction.pk]))
    assert response.status_code == 302
    kind = guide.attachment_kinds.get(code="plan")
    assert kind.required and not kind.shown_in_blind_review and kind.allowed_types == ["application/pdf"]
    assert list(kind.directions.all()) == [direction]
    assert AuditRecord.objects.filter(action="guide.attachment_kind_add", actor=personas.admin).exists()
    page = client.get(reverse("guides:detail", args=[guide.pk])).content.decode()
    assert 'data-kind="plan"' in page and "项目实施方案" in page

    client.post(reverse("guides:kind_edit", args=[guide.pk, kind.pk]), _kind_data(name="实施方案（盖章）", order=""))
    kind.refresh_from_db()
    assert kind.name == "实施方案（盖章）" and not kind.directions.exists() and not kind.shown_in_blind_review

    client.post(reverse("guides:kind_delete", args=[guide.pk, kind.pk]))
    assert not guide.attachment_kinds.filter(code="plan").exists()


def test_a_kind_form_says_what_to_fix(client, personas):
    login(client, personas.admin)
    guide = personas.guide
    other = make_guide(2022)
    foreign = other.directions.first()
    response = client.post(reverse("guides:kind_add", args=[guide.pk]),
                           _kind_data(code="business_licence", allowed_types=[], directions=[foreign.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请至少选择一种文件类型" in html and "所选方向不属于本指南" in html
    response = client.post(reverse("guides:kind_add", args=[guide.pk]), _kind_data(code="business_licence"))
    assert "已有代码为“business_licence”的附件类型" in response.content.decode()


def test_a_kind_in_use_is_not_deleted(client, personas):
    from tests.factories import complete_declaration

    guide = personas.guide
    complete_declaration(guide, personas.org_a, personas.district_a)
    licence = guide.attachment_kinds.get(code="business_licence")
    login(client, personas.admin)
    response = client.post(reverse("guides:kind_delete", args=[guide.pk, licence.pk]), follow=True)
    assert "已有 1 个附件使用，不能删除" in response.content.decode()
    assert guide.attachment_kinds.filter(pk=licence.pk).exists()


def test_only_the_ministry_edits_kinds(client, personas):
    guide = personas.guide
    for user in (personas.applicant_a, personas.city_staff):
        login(client, user)
        response = client.post(reverse("guides:kind_add", args=[guide.pk]), _kind_data())
        assert response.status_code in (403, 404)
    assert not guide.attachment_kinds.filter(code="plan").exists()


def test_notice_and_template_are_uploaded_and_downloaded(client, personas):
    guide = make_guide(2022, published=False)
    login(client, personas.admin)
    docx = b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml" + b"\x00" * 200
    response = client.post(reverse("guides:documents", args=[guide.pk]), {
        "notice": SimpleUploadedFile("关于组织申报的通知.pdf", PDF_BYTES),
        "template": SimpleUploadedFile("申报书模板.docx", docx)}, follow=True)
    assert "文件已上传" in response.content.decode()
    guide.refresh_from_db()
    assert guide.notice_name == "关于组织申报的通知.pdf" and guide.template_name == "申报书模板.docx"
    notice_url = reverse("declarations:guide_notice", args=[guide.pk])
    assert client.get(notice_url).status_code == 200  # the ministry checks it before publishing

    client.logout()
    assert client.get(notice_url).status_code == 404  # not public while unpublished
    guide.is_published = True
    guide.save()
    response = client.get(notice_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert "filename" in response["Content-Disposition"]
    assert client.get(reverse("declarations:guide_template", args=[guide.pk])).status_code == 200
    login(client, personas.applicant_a)
    page = client.get(reverse("declarations:guide", args=[guide.pk])).content.decode()
    assert notice_url in page and "下载申报书模板" in page


def test_a_mislabelled_notice_is_refused(client, personas):
    guide = personas.guide
    login(client, personas.admin)
    response = client.post(reverse("guides:documents", args=[guide.pk]),
                           {"notice": SimpleUploadedFile("通知.pdf", PNG_BYTES)}, follow=True)
    assert "内容与扩展名不符" in response.content.decode()
    response = client.post(reverse("guides:documents", args=[guide.pk]), {}, follow=True)
    assert "请选择要上传的通知文件或申报书模板" in response.content.decode()
    guide.refresh_from_db()
    assert not guide.notice_file
    assert client.get(reverse("declarations:guide_notice", args=[guide.pk])).status_code == 404


def test_the_landing_page_links_to_the_published_results(client, db):
    page = client.get("/").content.decode()
    assert f'href="{reverse("review:results")}"' in page
