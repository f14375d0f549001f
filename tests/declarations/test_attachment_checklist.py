"""The applicant's attachment checklist and the submission check on required kinds (issue 16, section 3)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import services
from declarations.attachment_kinds import save_kind
from declarations.models import Attachment
from tests.declarations.conftest import PDF_BYTES
from tests.declarations.test_drafts import form_data
from tests.factories import complete_declaration, make_user


def _bare(guide, org, district):
    """A complete declaration without its files."""
    decl = complete_declaration(guide, org, district)
    Attachment.objects.filter(declaration=decl).delete()
    return decl


def _upload(client, decl, kind):
    return client.post(reverse("declarations:upload_attachment", args=[decl.pk]),
                       {"file": SimpleUploadedFile("licence.pdf", PDF_BYTES), "kind": kind.pk}, follow=True)


def test_the_form_lists_the_kinds_and_ticks_them_once_uploaded(applicant_client, guide, org, district):
    decl = _bare(guide, org, district)
    licence = guide.attachment_kinds.get(code="business_licence")
    page = applicant_client.get(reverse("declarations:edit", args=[decl.pk])).content.decode()
    assert re.search(rf'data-kind="{licence.code}"\s+data-done="0"', page)
    assert "营业执照或法人登记证书" in page and "尚未上传" in page
    _upload(applicant_client, decl, licence)
    page = applicant_client.get(reverse("declarations:edit", args=[decl.pk])).content.decode()
    assert re.search(rf'data-kind="{licence.code}"\s+data-done="1"', page)


def test_submission_is_refused_without_a_required_kind_and_accepted_with_it(applicant_client, guide, org,
                                                                            district):
    decl = _bare(guide, org, district)
    response = applicant_client.post(reverse("declarations:edit", args=[decl.pk]), form_data(decl, submit="1"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "请上传必须提交的附件：营业执照或法人登记证书" in html
    decl.refresh_from_db()
    assert decl.state == "draft"
    _upload(applicant_client, decl, guide.attachment_kinds.get(code="business_licence"))
    decl.refresh_from_db()
    response = applicant_client.post(reverse("declarations:edit", args=[decl.pk]), form_data(decl, submit="1"))
    assert response.status_code == 302
    decl.refresh_from_db()
    assert decl.state == "submitted"


def test_a_file_of_another_kind_does_not_count(guide, org, district, applicant):
    decl = _bare(guide, org, district)
    other = guide.attachment_kinds.get(code="other")
    services.add_attachment(decl, upload=SimpleUploadedFile("x.pdf", PDF_BYTES), mime="application/pdf",
                            kind=other, actor=applicant)
    with pytest.raises(services.TransitionError) as refused:
        services.submit_declaration(decl, actor=applicant)
    assert any(f.field == "attachments" for f in refused.value.failures)


def test_a_kind_for_one_direction_is_asked_only_of_that_direction(guide, org, district, applicant):
    decl = complete_declaration(guide, org, district)  # direction 4, with its licence
    admin = make_user("admin", "kinds_admin", is_staff=True)
    fields = {"code": "plan", "name": "实施方案", "help_text": "", "required": True, "shown_in_blind_review": True,
              "allowed_types": ["pdf"], "order": 99}
    one = guide.directions.get(code="1")
    plan = save_kind(guide=guide, actor=admin, fields=fields, directions=[one])
    services.submit_declaration(decl, actor=applicant)
    decl.refresh_from_db()
    assert decl.state == "submitted"
    save_kind(guide=guide, actor=admin, fields=fields, directions=[one, decl.direction], kind=plan)
    services.withdraw_declaration(decl, actor=applicant)
    with pytest.raises(services.TransitionError) as refused:
        services.submit_declaration(decl, actor=applicant)
    assert any("实施方案" in f.message for f in refused.value.failures)
