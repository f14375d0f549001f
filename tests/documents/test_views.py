"""What users see: the declaration page box, downloads, permissions, the public verification page."""

import pypdfium2
import pytest
from pyzbar.pyzbar import decode

from documents.models import Document
from tests.utils import login

from .helpers import form_of, submitted_declaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_form(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, project_name="数据要素流通平台")
    return decl, form_of(decl)


def test_the_applicant_sees_the_download_button_and_gets_the_pdf(client, personas, ready_form):
    decl, doc = ready_form
    login(client, personas.applicant_a)
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert f"/documents/{doc.pk}/download/" in page and "下载项目申报书" in page
    assert "documents-status.js" in page
    response = client.get(f"/documents/{doc.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_applicant_gets_404_everywhere(client, personas, ready_form):
    decl, doc = ready_form
    login(client, personas.applicant_b)
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 404
    assert client.get(f"/documents/declarations/{decl.pk}/status/").status_code == 404
    assert client.post(f"/documents/declarations/{decl.pk}/regenerate/").status_code == 404
    assert client.post(f"/documents/{doc.pk}/retry/").status_code == 404
    assert Document.objects.count() == 1


def test_the_ministry_may_download_any_form(client, personas, ready_form):
    _decl, doc = ready_form
    login(client, personas.admin)
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 200


def test_a_reviewer_never_gets_the_form_which_names_the_applicant(client, personas, ready_form):
    from tests.factories import make_user

    _decl, doc = ready_form
    login(client, make_user("reviewer"))
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, ready_form):
    _decl, doc = ready_form
    response = client.get(f"/documents/{doc.pk}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_post_only_views_reject_get(client, personas, ready_form):
    decl, doc = ready_form
    login(client, personas.applicant_a)
    assert client.get(f"/documents/declarations/{decl.pk}/regenerate/").status_code == 405
    assert client.get(f"/documents/{doc.pk}/retry/").status_code == 405


def test_regenerate_from_the_page_queues_a_new_version_and_the_box_polls(client, personas, ready_form):
    decl, doc = ready_form
    login(client, personas.applicant_a)
    response = client.post(f"/documents/declarations/{decl.pk}/regenerate/",
                           {"next": f"/applicant/declarations/{decl.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/applicant/declarations/{decl.pk}/"
    new = form_of(decl)
    assert new.pk != doc.pk and new.state == Document.State.QUEUED  # on_commit did not run: still queued
    fragment = client.get(f"/documents/declarations/{decl.pk}/status/").content.decode()
    assert "data-doc-poll" in fragment and "排队中" in fragment


def test_a_failed_form_shows_the_error_and_a_retry_button(client, personas, django_capture_on_commit_callbacks,
                                                          settings):
    good = settings.SIGNING_P12_PATH
    settings.SIGNING_P12_PATH = "/nonexistent.p12"
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    doc = form_of(decl)
    login(client, personas.applicant_a)
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert "生成失败" in page and f"/documents/{doc.pk}/retry/" in page and "重试" in page
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 404
    settings.SIGNING_P12_PATH = good
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/{doc.pk}/retry/")
    doc.refresh_from_db()
    assert doc.state == Document.State.READY


def test_the_verification_page_is_public_and_says_only_what_it_should(client, ready_form):
    decl, doc = ready_form
    response = client.get(f"/documents/verify/{doc.short_code}/")
    page = response.content.decode()
    assert response.status_code == 200
    for shown in (doc.number, doc.issued_to, doc.fingerprint, "项目申报书", "当前有效版本"):
        assert shown in page
    for hidden in ("数据要素流通平台", decl.organisation.credit_code, decl.organisation.contact_phone):
        assert hidden not in page
    assert client.get(f"/documents/verify/{doc.short_code.lower()}/").status_code == 200
    assert client.get("/documents/verify/NOSUCHCODE/").status_code == 404


def test_the_qr_code_points_at_the_verification_page(client, personas, ready_form):
    """The QR code printed on the downloaded form reads as this document's public verification address."""
    _decl, doc = ready_form
    login(client, personas.applicant_a)
    pdf = b"".join(client.get(f"/documents/{doc.pk}/download/").streaming_content)
    scale = 200 / 72
    codes = [code.data.decode() for page in pypdfium2.PdfDocument(pdf)
             for code in decode(page.render(scale=scale).to_pil())]
    url = f"https://sbxt.example.gov.cn/documents/verify/{doc.short_code}/"
    assert codes and set(codes) == {url}
    client.logout()
    page = client.get(url.removeprefix("https://sbxt.example.gov.cn"))
    assert page.status_code == 200 and doc.short_code in page.content.decode()


def test_the_unit_of_jurisdiction_may_download_the_form_a_sibling_unit_may_not(client, personas, ready_form):
    _decl, doc = ready_form
    login(client, personas.district_a_staff)
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 200
    login(client, personas.district_b_staff)
    assert client.get(f"/documents/{doc.pk}/download/").status_code == 404
