"""Declaration dossiers (one ZIP per declaration) and the list ZIP's formal-check records."""

import io
import zipfile

import pytest

from documents.models import Document
from documents.issuing import current_dossier, request_forms_zip
from documents.rendering import render_document
from quotas.formal_check import return_declaration
from tests.matrix.world import World
from tests.utils import login

pytestmark = pytest.mark.django_db

RETURN_REASON = "缺少近三年财务审计报告，请补充后重新提交"


@pytest.fixture
def world(personas):
    w = World(personas)
    # A second declaration, returned by its unit with a reason.
    return_declaration(declaration=w.decl_b, actor=personas.district_b_staff, reason=RETURN_REASON)
    w.decl_b.refresh_from_db()
    return w


def _request(client, user, decl, capture):
    login(client, user)
    with capture(execute=False):
        response = client.post(f"/documents/declarations/{decl.pk}/dossier/", {"next": "/"})
    assert response.status_code == 302
    doc = current_dossier(decl, include_reviews=user.is_ministry)
    assert doc is not None and doc.state == Document.State.QUEUED  # not built in the request
    return doc


def _zip_of(client, doc):
    response = client.get(f"/documents/{doc.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_unit_dossier_has_form_attachments_and_formal_check_but_no_reviews(
        client, personas, world, django_capture_on_commit_callbacks):
    doc = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    render_document(doc.pk)
    zf = _zip_of(client, doc)
    names = zf.namelist()
    forms = [n for n in names if n.startswith("项目申报书-") and n.endswith(".pdf")]
    assert len(forms) == 1 and zf.read(forms[0]).startswith(b"%PDF")
    assert "附件/甲公司营业执照.pdf" in names
    assert zf.read("附件/甲公司营业执照.pdf").startswith(b"%PDF")
    record = zf.read("形式审查记录.txt").decode()
    assert "形式审查通过" in record
    assert "专家评审意见.txt" not in names
    assert "rev_a" not in record and not doc.content.get("reviews")


def test_the_formal_check_record_carries_the_return_reason(client, personas, world,
                                                           django_capture_on_commit_callbacks):
    doc = _request(client, personas.district_b_staff, world.decl_b, django_capture_on_commit_callbacks)
    render_document(doc.pk)
    record = _zip_of(client, doc).read("形式审查记录.txt").decode()
    assert "退回修改" in record and RETURN_REASON in record


def test_only_the_ministry_dossier_has_the_reviews_and_it_is_a_separate_document(
        client, personas, world, django_capture_on_commit_callbacks):
    unit_doc = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    admin_doc = _request(client, personas.admin, world.decl_a, django_capture_on_commit_callbacks)
    assert admin_doc.pk != unit_doc.pk and admin_doc.fingerprint != unit_doc.fingerprint
    unit_doc.refresh_from_db()
    assert unit_doc.superseded_by_id is None  # the two chains do not replace each other
    render_document(admin_doc.pk)
    render_document(unit_doc.pk)
    zf = _zip_of(client, admin_doc)  # logged in as the admin
    reviews = zf.read("专家评审意见.txt").decode()
    assert "rev_a" in reviews and "项目技术先进，应用成效明显，建议支持。" in reviews
    assert "附件/甲公司营业执照.pdf" in zf.namelist() and "形式审查记录.txt" in zf.namelist()
    # The unit may not download the ministry's dossier, the ministry may download the unit's.
    assert client.get(f"/documents/{unit_doc.pk}/download/").status_code == 200
    login(client, personas.district_a_staff)
    assert client.get(f"/documents/{admin_doc.pk}/download/").status_code == 404
    assert client.get(f"/documents/{unit_doc.pk}/download/").status_code == 200


def test_built_in_the_background_with_a_polled_status_box(client, personas, world,
                                                          django_capture_on_commit_callbacks):
    doc = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    fragment = client.get(f"/documents/declarations/{world.decl_a.pk}/dossier/status/").content.decode()
    assert "data-doc-poll" in fragment and "排队中" in fragment
    render_document(doc.pk)
    doc.refresh_from_db()
    assert doc.state == Document.State.READY and doc.progress == 100
    fragment = client.get(f"/documents/declarations/{world.decl_a.pk}/dossier/status/").content.decode()
    assert "data-doc-poll" not in fragment and f"/documents/{doc.pk}/download/" in fragment


def test_the_slot_is_on_the_unit_and_the_ministry_declaration_pages(client, personas, world):
    from django.urls import reverse

    login(client, personas.district_a_staff)
    page = client.get(reverse("quotas:declaration", args=[world.decl_a.pk])).content.decode()
    assert f"/documents/declarations/{world.decl_a.pk}/dossier/" in page and "documents-status.js" in page
    login(client, personas.admin)
    page = client.get(reverse("review:declaration_reviews", args=[world.guide.pk, world.decl_a.pk])).content.decode()
    assert f"/documents/declarations/{world.decl_a.pk}/dossier/" in page and "专家评审意见" in page


def test_asking_again_while_queued_returns_the_same_document(client, personas, world,
                                                            django_capture_on_commit_callbacks):
    first = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    second = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    assert first.pk == second.pk


@pytest.mark.parametrize("who", ["district_b_staff", "applicant_a", "applicant_b", "reviewer"])
def test_others_get_404(client, personas, world, who, django_capture_on_commit_callbacks):
    admin_doc = _request(client, personas.admin, world.decl_a, django_capture_on_commit_callbacks)
    unit_doc = _request(client, personas.district_a_staff, world.decl_a, django_capture_on_commit_callbacks)
    for doc in (admin_doc, unit_doc):
        render_document(doc.pk)
    user = world.reviewer_assigned if who == "reviewer" else getattr(personas, who)
    login(client, user)
    before = Document.objects.count()
    assert client.post(f"/documents/declarations/{world.decl_a.pk}/dossier/").status_code == 404
    assert client.get(f"/documents/declarations/{world.decl_a.pk}/dossier/status/").status_code == 404
    for doc in (admin_doc, unit_doc):
        assert client.get(f"/documents/{doc.pk}/download/").status_code == 404
        assert client.post(f"/documents/{doc.pk}/retry/").status_code == 404
    assert Document.objects.count() == before


def test_the_list_zip_has_each_declarations_formal_check_record(client, personas, world):
    doc = request_forms_zip(world.list_a.pk, actor=personas.district_a_staff)
    render_document(doc.pk)
    login(client, personas.district_a_staff)
    zf = _zip_of(client, doc)
    records = [n for n in zf.namelist() if n.endswith("形式审查记录.txt")]
    assert len(records) == 1 and "形式审查通过" in zf.read(records[0]).decode()
    assert not any(n.startswith("附件/") for n in zf.namelist())  # attachments stay out of the list ZIP
