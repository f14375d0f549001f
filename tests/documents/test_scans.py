"""Point 5: the hand-stamped scan comes back. Its QR code is read in a Celery task, the scan is linked to its
document number, and a superseded version, another declaration or an unreadable code is said at once."""

import io

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.issuing import request_application_form, request_recommendation_letter
from documents.models import StampedScan
from tests.factories import make_confirmed_list, make_org
from tests.utils import login

from .helpers import form_of, submitted_declaration

pytestmark = pytest.mark.django_db
O = StampedScan.Outcome


def scan_of(pdf_path, *, page=0, dpi=150, angle=3, quality=55, as_pdf=False):
    """What a clerk's scanner makes of a printed page: rasterised, a little rotated, JPEG-compressed."""
    image = pypdfium2.PdfDocument(str(pdf_path))[page].render(scale=dpi / 72).to_pil().convert("RGB")
    image = image.rotate(angle, expand=True, fillcolor="white", resample=Image.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    if as_pdf:  # a scanner's PDF: the JPEG page wrapped in a PDF, behind a blank first page
        jpeg = Image.open(io.BytesIO(buf.getvalue()))
        buf = io.BytesIO()
        Image.new("RGB", jpeg.size, "white").save(buf, "PDF", save_all=True, append_images=[jpeg], resolution=dpi)
        return SimpleUploadedFile("扫描件.pdf", buf.getvalue(), content_type="application/pdf")
    return SimpleUploadedFile("扫描件.jpg", buf.getvalue(), content_type="image/jpeg")


def _upload(client, decl, upload, capture, execute=True):
    with capture(execute=execute):
        response = client.post(f"/documents/declarations/{decl.pk}/scans/upload/", {"scan": upload})
    assert response.status_code == 302
    return StampedScan.objects.order_by("-id").first()


@pytest.fixture
def decl(personas, django_capture_on_commit_callbacks):
    return submitted_declaration(personas, django_capture_on_commit_callbacks, project_name="港口物流大数据平台")


def test_a_scan_of_the_current_form_is_recognised_and_linked(client, personas, decl,
                                                             django_capture_on_commit_callbacks):
    form = form_of(decl)
    login(client, personas.applicant_a)
    scan = _upload(client, decl, scan_of(form.file.path), django_capture_on_commit_callbacks)
    assert scan.outcome == O.CURRENT and scan.document == form and not scan.linked_by_hand
    assert scan.read_code == form.short_code
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="current"' in page and form.number in page


def test_a_multi_page_pdf_scan_with_the_code_on_its_last_page_is_read(client, personas, decl,
                                                                      django_capture_on_commit_callbacks):
    form = form_of(decl)
    last = len(pypdfium2.PdfDocument(form.file.path)) - 1
    login(client, personas.applicant_a)
    scan = _upload(client, decl, scan_of(form.file.path, page=last, angle=-2, as_pdf=True),
                   django_capture_on_commit_callbacks)
    assert scan.outcome == O.CURRENT and scan.document == form


def test_a_scan_of_a_superseded_version_is_flagged(client, personas, decl, django_capture_on_commit_callbacks):
    old = form_of(decl)
    with django_capture_on_commit_callbacks(execute=True):
        request_application_form(decl.pk, force=True)
    new = form_of(decl)
    login(client, personas.applicant_a)
    scan = _upload(client, decl, scan_of(old.file.path), django_capture_on_commit_callbacks)
    assert scan.outcome == O.SUPERSEDED and scan.document == old
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="superseded"' in page and old.number in page and new.number in page


def test_a_current_scan_goes_stale_when_a_new_version_is_issued(client, personas, decl,
                                                                django_capture_on_commit_callbacks):
    login(client, personas.applicant_a)
    _upload(client, decl, scan_of(form_of(decl).file.path), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_application_form(decl.pk, force=True)
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="superseded"' in page


def test_a_scan_of_another_declaration_is_flagged(client, personas, decl, django_capture_on_commit_callbacks):
    p = personas
    other = submitted_declaration(p, django_capture_on_commit_callbacks, org=p.org_b, unit=p.district_b,
                                  actor=p.applicant_b)
    login(client, p.applicant_a)
    scan = _upload(client, decl, scan_of(form_of(other).file.path), django_capture_on_commit_callbacks)
    assert scan.outcome == O.OTHER and scan.document is None
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="other"' in page
    assert form_of(other).number not in page  # nothing of the other declaration is shown


def test_an_unreadable_scan_lets_the_uploader_pick_the_version(client, personas, decl,
                                                               django_capture_on_commit_callbacks):
    form = form_of(decl)
    blank = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(blank, "PNG")
    login(client, personas.applicant_a)
    scan = _upload(client, decl, SimpleUploadedFile("模糊.png", blank.getvalue()), django_capture_on_commit_callbacks)
    assert scan.outcome == O.UNREADABLE and scan.document is None
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="unreadable"' in page and f'<option value="{form.pk}">' in page
    response = client.post(f"/documents/scans/{scan.pk}/link/", {"document": form.pk})
    assert response.status_code == 302
    scan.refresh_from_db()
    assert scan.outcome == O.CURRENT and scan.document == form and scan.linked_by_hand


def test_reading_runs_in_a_task_not_in_the_request(client, personas, decl, django_capture_on_commit_callbacks):
    login(client, personas.applicant_a)
    scan = _upload(client, decl, scan_of(form_of(decl).file.path), django_capture_on_commit_callbacks, execute=False)
    assert scan.outcome == O.PENDING
    fragment = client.get(f"/documents/declarations/{decl.pk}/scans/").content.decode()
    assert 'data-scan-state="pending"' in fragment and "data-doc-poll" in fragment


def test_only_pdfs_and_images_are_accepted(client, personas, decl, django_capture_on_commit_callbacks):
    login(client, personas.applicant_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/declarations/{decl.pk}/scans/upload/",
                               {"scan": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a scan")}, follow=True)
    assert StampedScan.objects.count() == 0
    assert "扫描件须为 PDF 或 JPG、PNG、TIFF 图片" in response.content.decode()


def test_others_cannot_upload_see_or_download(client, personas, decl, django_capture_on_commit_callbacks):
    p = personas
    login(client, p.applicant_a)
    scan = _upload(client, decl, scan_of(form_of(decl).file.path), django_capture_on_commit_callbacks)
    for user in (p.applicant_b, p.district_b_staff):
        login(client, user)
        assert client.get(f"/documents/scans/{scan.pk}/download/").status_code == 404
        assert client.get(f"/documents/declarations/{decl.pk}/scans/").status_code == 404
        assert client.post(f"/documents/declarations/{decl.pk}/scans/upload/",
                           {"scan": scan_of(form_of(decl).file.path)}).status_code == 404
    for user in (p.district_a_staff, p.admin):
        login(client, user)
        assert client.get(f"/documents/scans/{scan.pk}/download/").status_code == 200


def test_units_see_per_declaration_and_per_list_whether_a_current_stamped_scan_exists(
        client, personas, decl, django_capture_on_commit_callbacks):
    p = personas
    neighbour = make_org("丙数据公司", division=p.district_a.division)  # a second applicant of the same district
    other = submitted_declaration(p, django_capture_on_commit_callbacks, org=neighbour, actor=p.applicant_b,
                                  project_name="智慧医疗数据中台")
    rec_list = make_confirmed_list(p.guide, p.district_a, [decl, other], document_number="滨工信函〔2022〕8号")
    with django_capture_on_commit_callbacks(execute=True):
        letter = request_recommendation_letter(rec_list.pk)
    letter.refresh_from_db()
    login(client, p.applicant_a)
    _upload(client, decl, scan_of(form_of(decl).file.path), django_capture_on_commit_callbacks)

    login(client, p.district_a_staff)
    page = client.get(f"/unit/declarations/{decl.pk}/").content.decode()
    assert 'data-scan-state="current"' in page
    box = client.get(f"/documents/lists/{rec_list.pk}/scans/").content.decode()
    assert "已回传当前版本盖章申报书：1 / 2" in box and 'data-scan-state="none"' in box
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/lists/{rec_list.pk}/scans/upload/", {"scan": scan_of(letter.file.path)})
    letter_scan = StampedScan.objects.order_by("-id").first()
    assert letter_scan.outcome == O.CURRENT and letter_scan.document == letter
    page = client.get(f"/unit/lists/{rec_list.pk}/").content.decode()
    assert 'data-scan-state="current"' in page and "已回传当前版本盖章申报书：1 / 2" in page

    login(client, p.admin)
    assert "已回传当前版本盖章申报书：1 / 2" in client.get(f"/documents/lists/{rec_list.pk}/scans/").content.decode()


def test_the_list_box_runs_the_same_queries_whatever_the_number_of_entries(
        client, personas, decl):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import complete_declaration, make_org

    p = personas
    counts = []
    login(client, p.district_b_staff)
    for n in (1, 4):
        decls = [complete_declaration(p.guide, make_org(), p.district_b, state="submitted") for _ in range(n)]
        rec_list = make_confirmed_list(p.guide, p.district_b, decls)
        client.get(f"/documents/lists/{rec_list.pk}/scans/")  # the session's first request loads the user
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/documents/lists/{rec_list.pk}/scans/").status_code == 200
        counts.append(len(queries))
        rec_list.delete()
    assert counts[0] == counts[1]
