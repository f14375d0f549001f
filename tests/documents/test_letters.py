"""Recommendation letters and the ZIP of a list's application forms."""

import io
import subprocess
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from documents import signing
from documents.issuing import request_recommendation_letter
from documents.models import Document
from tests.factories import make_confirmed_list, make_org
from tests.utils import login

from .helpers import pdf_fonts, pdf_text, submitted_declaration

pytestmark = pytest.mark.django_db

# A 4×4 red PNG with transparency (RGBA), standing in for an uploaded seal.
SEAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000040806000000a9f19e7e0000001649444154789c63f8cfc0f01f"
    "0b3032fc87b1e1000000f4ff1fe5d2f3a60000000049454e44ae426082")


@pytest.fixture
def district_list(personas, django_capture_on_commit_callbacks):
    p = personas
    first = submitted_declaration(p, django_capture_on_commit_callbacks, project_name="港口物流大数据平台")
    binhai_org = make_org("乙数据公司", division=p.district_a.division)  # Binhai declares only what is in Binhai
    second = submitted_declaration(p, django_capture_on_commit_callbacks, org=binhai_org, actor=None,
                                   project_name="智慧医疗数据中台")
    third_org = make_org("丙数据公司", division=p.district_a.division)
    from tests.factories import complete_declaration

    # Submitted, but its form was never made (its on-commit work did not run): the ZIP makes it.
    third = complete_declaration(p.guide, third_org, p.district_a, project_name="未获推荐的项目",
                                 state="submitted", submitted_at=timezone.now())
    p.district_a.seal.save("seal.png", ContentFile(SEAL_PNG))
    rec_list = make_confirmed_list(p.guide, p.district_a, [second, first, third], recommended=[second, first],
                                   document_number="滨工信函〔2022〕7号", confirmed_by=p.district_a_staff)
    return rec_list


def _letter(rec_list, capture):
    with capture(execute=True):
        return request_recommendation_letter(rec_list.pk)


def test_the_letter_lists_recommended_projects_in_rank_order_addressed_to_the_parent(
        personas, district_list, django_capture_on_commit_callbacks, weasyprint_warnings):
    doc = _letter(district_list, django_capture_on_commit_callbacks)
    doc.refresh_from_db()
    assert doc.state == Document.State.READY, doc.error
    assert doc.number == "滨工信函〔2022〕7号"
    assert doc.issued_to == personas.city.name
    text = pdf_text(doc.file.path)
    flat = re.sub(r"\s+", "", text)
    assert personas.city.name + "：" in flat
    assert flat.index("智慧医疗数据中台") < flat.index("港口物流大数据平台")
    assert "未获推荐的项目" not in flat
    assert "滨工信函〔2022〕7号" in flat and personas.district_a.name in flat
    assert not [m for m in weasyprint_warnings if "notdef" in m]
    assert all("PilotSerif" in f for f in pdf_fonts(doc.file.path))
    intact, valid, _ = signing.validate_pdf(doc.file.read())
    assert intact and valid


def test_a_unit_without_parent_writes_to_the_ministry(personas, django_capture_on_commit_callbacks):
    p = personas
    city_org = make_org("天津市级数据公司")  # registered at the city level: the city is its unit
    decl = submitted_declaration(p, django_capture_on_commit_callbacks, org=city_org, unit=p.city)
    rec_list = make_confirmed_list(p.guide, p.city, [decl])
    doc = _letter(rec_list, django_capture_on_commit_callbacks)
    assert doc.issued_to == "工业和信息化部信息技术发展司"
    doc.refresh_from_db()
    text = pdf_text(doc.file.path)
    assert "工业和信息化部信息技术发展司：" in re.sub(r"\s+", "", text)
    # A one-page letter carries no page number (GB/T 9704); the whole letter fits on one page here.
    pages = subprocess.run(["pdfinfo", doc.file.path], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\b", pages), pages
    assert "— 1 —" not in text


def test_unconfirmed_lists_get_no_letter(personas, district_list):
    district_list.state = district_list.State.DRAFT
    district_list.save()
    assert request_recommendation_letter(district_list.pk) is None


def test_list_documents_belong_to_the_unit_its_parent_and_the_ministry(
        client, personas, district_list, django_capture_on_commit_callbacks):
    p = personas
    doc = _letter(district_list, django_capture_on_commit_callbacks)
    for user, status in [(p.district_a_staff, 200), (p.city_staff, 200), (p.admin, 200),
                         (p.district_b_staff, 404), (p.applicant_a, 404)]:
        login(client, user)
        assert client.get(f"/documents/{doc.pk}/download/").status_code == status, user
        assert client.get(f"/documents/lists/{district_list.pk}/status/").status_code == status, user
    login(client, p.district_b_staff)
    assert client.post(f"/documents/lists/{district_list.pk}/zip/").status_code == 404
    assert client.post(f"/documents/lists/{district_list.pk}/letter/").status_code == 404


def test_the_unit_builds_a_zip_of_all_forms_with_progress(client, personas, district_list,
                                                          django_capture_on_commit_callbacks):
    login(client, personas.district_a_staff)
    fragment = client.get(f"/documents/lists/{district_list.pk}/status/").content.decode()
    assert "打包下载全部申报书" in fragment
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/lists/{district_list.pk}/zip/")
    bundle = Document.objects.get(kind=Document.Kind.FORMS_ZIP)
    assert bundle.state == Document.State.READY and bundle.progress == 100
    response = client.get(f"/documents/{bundle.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert len(pdfs) == 3  # every entry's form, the third rendered on the way
    assert pdfs[0].startswith("01-乙数据公司") and pdfs[1].startswith("02-甲数据公司")
    assert "清单.txt" in names


def test_the_list_slot_shows_letter_download(client, personas, district_list, django_capture_on_commit_callbacks):
    doc = _letter(district_list, django_capture_on_commit_callbacks)
    login(client, personas.district_a_staff)
    fragment = client.get(f"/documents/lists/{district_list.pk}/status/").content.decode()
    assert f"/documents/{doc.pk}/download/" in fragment and "下载推荐函" in fragment


def test_the_units_list_page_carries_the_documents_box(client, personas, district_list,
                                                       django_capture_on_commit_callbacks):
    doc = _letter(district_list, django_capture_on_commit_callbacks)
    login(client, personas.district_a_staff)
    page = client.get(f"/unit/lists/{district_list.pk}/").content.decode()
    assert "推荐函与申报书" in page and f"/documents/{doc.pk}/download/" in page
    assert "documents-status.js" in page
