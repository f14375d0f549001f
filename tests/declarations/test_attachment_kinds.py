"""Attachment kinds are guide data: loaded from the guide file, copied with the guide, chosen at upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import services
from declarations.guide_admin import copy_guide
from declarations.models import Attachment
from tests.declarations.conftest import PDF_BYTES, PNG_BYTES
from tests.factories import make_guide


@pytest.fixture
def draft(guide, org, applicant):
    return services.start_declaration(guide, organisation=org, actor=applicant)[0]


def _upload(client, decl, name, content, kind):
    return client.post(reverse("declarations:upload_attachment", args=[decl.pk]),
                       {"file": SimpleUploadedFile(name, content), "kind": kind.pk if kind else ""}, follow=True)


def test_each_guide_file_brings_its_kinds_and_identifying_ones_are_hidden_from_blind_review(guide):
    kinds = {k.code: k for k in guide.attachment_kinds.all()}
    assert {"business_licence", "dcmm_certificate", "stats_report", "project_material"} <= set(kinds)
    assert kinds["business_licence"].required and not kinds["business_licence"].shown_in_blind_review
    assert not kinds["dcmm_certificate"].shown_in_blind_review
    assert kinds["project_material"].shown_in_blind_review
    assert "dcmm_certificate" not in set(make_guide(2020).attachment_kinds.values_list("code", flat=True))


def test_copying_a_guide_copies_its_kinds(personas):
    guide, admin_user = personas.guide, personas.admin
    guide.attachment_kinds.filter(code="other").update(shown_in_blind_review=True)
    copy = copy_guide(source=guide, actor=admin_user)
    fields = ("code", "name", "required", "shown_in_blind_review", "allowed_types", "order")
    assert list(copy.attachment_kinds.values_list(*fields)) == list(guide.attachment_kinds.values_list(*fields))


def test_an_upload_keeps_its_kind_and_respects_its_file_types(applicant_client, draft):
    material = draft.guide.attachment_kinds.get(code="project_material")  # PDF only
    response = _upload(applicant_client, draft, "方案.png", PNG_BYTES, material)
    assert "只接受 PDF 文件" in response.content.decode()
    assert not Attachment.objects.filter(declaration=draft).exists()
    _upload(applicant_client, draft, "方案.pdf", PDF_BYTES, material)
    assert Attachment.objects.get(declaration=draft).kind == material


def test_a_kind_of_another_guide_is_refused(applicant_client, draft):
    foreign = make_guide(2021).attachment_kinds.get(code="business_licence")
    response = _upload(applicant_client, draft, "执照.pdf", PDF_BYTES, foreign)
    assert "请选择本指南规定的附件类型" in response.content.decode()
    assert not Attachment.objects.filter(declaration=draft).exists()


def test_the_data_migration_gives_existing_guides_kinds_and_classifies_their_files(draft):
    import importlib

    from django.apps import apps
    from django.core.files.base import ContentFile

    migration = importlib.import_module("declarations.migrations.0003_default_attachment_kinds")
    names = {"甲公司营业执照.pdf": "business_licence", "平台技术方案.pdf": "project_material",
             "DCMM证书.pdf": "dcmm_certificate", "扫描1.pdf": "other"}
    for name in names:
        att = Attachment(declaration=draft, original_name=name, size=4, content_type="application/pdf",
                         sha256="0" * 64)
        att.file.save("x.pdf", ContentFile(b"%PDF"), save=True)
    draft.guide.attachment_kinds.all().delete()  # as before the migration
    migration.forwards(apps, None)
    assert draft.guide.attachment_kinds.filter(code="business_licence", shown_in_blind_review=False).exists()
    got = dict(Attachment.objects.filter(declaration=draft).values_list("original_name", "kind__code"))
    assert got == names
