"""Point 4: GB/T 9704-2012 letter layout and the form's cover, measured from the PDF's own coordinates
(pdfplumber) and, for the QR code, from a rasterised page read back with zbar."""

import re

import pdfplumber
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from documents.issuing import request_recommendation_letter
from documents.rendering import pdf_context
from documents.pdf import _cover_spills, render_html
from tests.factories import complete_declaration, make_confirmed_list, make_org

from .helpers import form_of, submitted_declaration

pytestmark = pytest.mark.django_db
MM = 72 / 25.4
RIGHT_MARGIN = 26 * MM
BODY_PT = 16
PROJECT = "基于工业互联网标识解析的港口集装箱物流全流程大数据融合应用平台"


def _letter(personas, capture, n, *, project=PROJECT):
    p = personas
    decls = [complete_declaration(p.guide, make_org(f"天津滨海新区第{i}数据科技有限公司"), p.district_a,
                                  project_name=f"{project}（{i}期）", state="submitted", submitted_at=timezone.now())
             for i in range(1, n + 1)]
    rec_list = make_confirmed_list(p.guide, p.district_a, decls, document_number="滨工信函〔2022〕7号")
    with capture(execute=True):
        doc = request_recommendation_letter(rec_list.pk)
    doc.refresh_from_db()
    assert doc.state == doc.State.READY, doc.error
    return doc


def _lines(page, size):
    """Text lines of characters of one font size, top to bottom."""
    rows = {}
    for c in page.chars:
        if abs(c["size"] - size) < 0.5:
            rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(cs, key=lambda c: c["x0"]) for _top, cs in sorted(rows.items())]


def _find(page, text):
    """The characters of the first line that contains `text`."""
    for line in _lines(page, BODY_PT):
        s = "".join(c["text"] for c in line)
        if text in s:
            i = s.index(text)
            return line[i:i + len(text)]
    raise AssertionError(f"{text!r} not on the page")


def test_a_one_project_letter_fits_on_one_page_without_page_number(personas, django_capture_on_commit_callbacks):
    doc = _letter(personas, django_capture_on_commit_callbacks, 1)
    with pdfplumber.open(doc.file.path) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    assert "特此函告" in text and doc.content["date_text"] in text and "— 1 —" not in text


def test_a_letter_that_fits_with_tighter_spacing_is_tightened_not_turned(personas, django_capture_on_commit_callbacks):
    doc = _letter(personas, django_capture_on_commit_callbacks, 4)
    with pdfplumber.open(doc.file.path) as pdf:
        assert len(pdf.pages) == 1
        assert "特此函告" in pdf.pages[0].extract_text()


def test_a_long_letter_carries_text_with_the_signature_and_numbers_pages_after_the_first(
        personas, django_capture_on_commit_callbacks):
    doc = _letter(personas, django_capture_on_commit_callbacks, 9)
    with pdfplumber.open(doc.file.path) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) >= 2
    last = texts[-1]
    assert "特此函告" in last and doc.content["date_text"] in last  # the seal never stands alone
    assert "— 1 —" not in texts[0] and f"— {len(texts)} —" in last


def test_the_title_breaks_between_words(personas, django_capture_on_commit_callbacks):
    doc = _letter(personas, django_capture_on_commit_callbacks, 1)
    words = doc.content["title_words"]
    boundaries = {len("".join(words[:i])) for i in range(len(words) + 1)}
    with pdfplumber.open(doc.file.path) as pdf:
        lines = ["".join(c["text"] for c in line) for line in _lines(pdf.pages[0], 22)]
    assert "".join(lines) == doc.content["title"] and len(lines) == 2
    assert len(lines[0]) in boundaries, lines  # not "…示范项/目的函"


def test_the_date_is_four_characters_in_from_the_right_and_the_signature_centred_on_it(
        personas, django_capture_on_commit_callbacks):
    doc = _letter(personas, django_capture_on_commit_callbacks, 1)
    with pdfplumber.open(doc.file.path) as pdf:
        page = pdf.pages[0]
        date = _find(page, doc.content["date_text"])
        signer = _find(page, doc.content["unit"]["name"])
        width = page.width
    assert date[-1]["x1"] == pytest.approx(width - RIGHT_MARGIN - 4 * BODY_PT, abs=2)
    assert (signer[0]["x0"] + signer[-1]["x1"]) / 2 == pytest.approx((date[0]["x0"] + date[-1]["x1"]) / 2, abs=2)
    assert signer[0]["top"] < date[0]["top"]


def test_the_qr_code_is_below_the_red_header_and_reads_the_verification_address(
        personas, django_capture_on_commit_callbacks):
    import pypdfium2
    from pyzbar.pyzbar import decode

    doc = _letter(personas, django_capture_on_commit_callbacks, 1)
    with pdfplumber.open(doc.file.path) as pdf:
        page = pdf.pages[0]
        red = [r for r in page.rects if r.get("non_stroking_color") == (0.8, 0.0, 0.0)]
        header_bottom = max(r["bottom"] for r in red)
        letterhead_top = min(c["top"] for c in page.chars if c["text"] == doc.content["unit"]["name"][0])
    scale = 200 / 72
    image = pypdfium2.PdfDocument(doc.file.path)[0].render(scale=scale).to_pil()
    [code] = decode(image)
    assert code.data.decode() == f"https://sbxt.example.gov.cn/documents/verify/{doc.short_code}/"
    assert code.rect.top / scale > header_bottom > letterhead_top


def test_a_long_cover_keeps_its_verification_block_on_the_cover(personas, django_capture_on_commit_callbacks):
    long_name = "面向" + "制造业集群的工业大数据采集治理分析与" * 5 + "服务平台"
    org = make_org("天津滨海新区" + "智能制造与工业互联网大数据" * 3 + "科技股份有限公司",
                   division=personas.district_a.division)
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, org=org,
                                 project_name=long_name[:100])
    doc = form_of(decl)
    assert doc.state == doc.State.READY, doc.error
    # Laid out plainly, this cover would run over its page (so the check below is not vacuous)...
    plain = render_html(render_to_string("documents/print/application_form.html", pdf_context(doc)))
    assert _cover_spills(plain)
    # ...the issued file keeps number, QR and short code on the cover, and the form proper starts on page 2.
    with pdfplumber.open(doc.file.path) as pdf:
        cover, second = (re.sub(r"\s+", "", pdf.pages[i].extract_text()) for i in (0, 1))
    assert f"核验码：{doc.short_code}" in cover and doc.number in cover
    assert "一、申报单位基本情况" in second[:40]
