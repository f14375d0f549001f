"""Attachments: PDF/JPG/PNG by content, size-limited, stored under a random name."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import services
from declarations.models import Attachment
from tests.declarations.conftest import EXE_BYTES, JPG_BYTES, PDF_BYTES, PNG_BYTES


@pytest.fixture
def draft(guide, org, applicant):
    return services.start_declaration(guide, organisation=org, actor=applicant)[0]


def upload(client, decl, name, content, label=""):
    return client.post(reverse("declarations:upload_attachment", args=[decl.pk]),
                       {"file": SimpleUploadedFile(name, content), "label": label}, follow=True)


@pytest.mark.parametrize("name,content,mime,ext", [
    ("营业执照.pdf", PDF_BYTES, "application/pdf", ".pdf"),
    ("现场照片.PNG", PNG_BYTES, "image/png", ".png"),
    ("证书扫描件.jpeg", JPG_BYTES, "image/jpeg", ".jpg"),
])
def test_pdf_png_and_jpg_are_accepted_under_a_random_name(applicant_client, draft, name, content, mime, ext,
                                                           settings):
    response = upload(applicant_client, draft, name, content, label="证明材料")
    assert f"附件“{name}”已上传" in response.content.decode()
    att = Attachment.objects.get(declaration=draft)
    stored = Path(att.file.name).name
    assert stored.endswith(ext) and Path(name).stem not in stored and len(Path(stored).stem) == 32
    assert (att.original_name, att.content_type, att.size, att.label) == (name, mime, len(content), "证明材料")
    assert (Path(settings.MEDIA_ROOT) / att.file.name).read_bytes() == content


def test_download_keeps_the_original_name(applicant_client, draft):
    upload(applicant_client, draft, "软件著作权登记证书.pdf", PDF_BYTES)
    att = Attachment.objects.get(declaration=draft)
    response = applicant_client.get(reverse("declarations:download_attachment", args=[att.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E8%BD%AF%E4%BB%B6" in disposition  # 软件…, RFC 5987-encoded
    assert response["Content-Type"] == "application/pdf"


def test_the_attachment_is_listed_with_name_and_size(applicant_client, draft):
    upload(applicant_client, draft, "材料清单.pdf", PDF_BYTES, label="清单")
    page = applicant_client.get(reverse("declarations:edit", args=[draft.pk])).content.decode()
    assert "材料清单.pdf" in page and "清单" in page and "字节" in page


@pytest.mark.parametrize("name,content,message", [
    ("申报书.pdf", EXE_BYTES, "文件“申报书.pdf”的内容不是 PDF、JPG 或 PNG（系统按文件内容判断，改扩展名无效）"),
    ("图片.png", b"<html><script>alert(1)</script></html>", "文件“图片.png”的内容不是 PDF、JPG 或 PNG"),
    ("空文件.pdf", b"", "上传的文件是空文件，请选择有内容的文件"),
    ("说明.docx", PDF_BYTES, "文件“说明.docx”的类型不受支持，只能上传 PDF、JPG 或 PNG 文件"),
    ("照片.pdf", PNG_BYTES, "文件“照片.pdf”的扩展名是 .pdf，但内容是 PNG 文件，请改正扩展名后再上传"),
    ("setup.exe", EXE_BYTES, "文件“setup.exe”的类型不受支持"),
])
def test_wrong_files_are_refused_with_a_specific_message(applicant_client, draft, name, content, message):
    response = upload(applicant_client, draft, name, content)
    assert message in response.content.decode()
    assert not Attachment.objects.filter(declaration=draft).exists()


def test_an_oversize_file_is_refused(applicant_client, draft, settings):
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = upload(applicant_client, draft, "大文件.pdf", big)
    assert "文件“大文件.pdf”大小为 1.0 MB，超过 1 MB 的上限，请压缩后再上传" in response.content.decode()
    assert not Attachment.objects.filter(declaration=draft).exists()


def test_a_post_without_a_file_says_so(applicant_client, draft):
    response = applicant_client.post(reverse("declarations:upload_attachment", args=[draft.pk]), {}, follow=True)
    assert "请先选择要上传的文件" in response.content.decode()


def test_a_submitted_declaration_takes_no_attachments(applicant_client, guide, org, district, applicant):
    from tests.factories import complete_declaration

    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    before = decl.attachments.count()
    response = upload(applicant_client, decl, "补充.pdf", PDF_BYTES)
    assert "不能上传附件；如需修改请先撤回" in response.content.decode()
    assert decl.attachments.count() == before


def test_delete_removes_the_row_and_the_file(applicant_client, draft, settings,
                                             django_capture_on_commit_callbacks):
    upload(applicant_client, draft, "删除我.pdf", PDF_BYTES)
    att = Attachment.objects.get(declaration=draft)
    path = Path(settings.MEDIA_ROOT) / att.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(reverse("declarations:delete_attachment", args=[draft.pk, att.pk]),
                                         follow=True)
    assert "附件“删除我.pdf”已删除" in response.content.decode()
    assert not Attachment.objects.filter(pk=att.pk).exists()
    assert not path.exists()


def test_delete_rejects_get(applicant_client, draft):
    upload(applicant_client, draft, "a.pdf", PDF_BYTES)
    att = Attachment.objects.get(declaration=draft)
    response = applicant_client.get(reverse("declarations:delete_attachment", args=[draft.pk, att.pk]))
    assert response.status_code == 405


def test_a_missing_file_on_disk_answers_404_not_500(applicant_client, draft, settings):
    upload(applicant_client, draft, "a.pdf", PDF_BYTES)
    att = Attachment.objects.get(declaration=draft)
    (Path(settings.MEDIA_ROOT) / att.file.name).unlink()
    assert applicant_client.get(reverse("declarations:download_attachment", args=[att.pk])).status_code == 404


def test_uploads_are_recorded_in_the_history(applicant_client, draft):
    upload(applicant_client, draft, "记录.pdf", PDF_BYTES)
    page = applicant_client.get(reverse("declarations:detail", args=[draft.pk])).content.decode()
    assert "上传附件“记录.pdf”" in page
