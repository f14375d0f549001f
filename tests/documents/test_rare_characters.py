"""Point 2: every CJK block prints (no boxes), and a character no face has is named to the applicant
before submitting, with its field."""

import re

import pytest

from declarations.services import TransitionError, submit_declaration
from documents.glyphs import missing_characters
from tests.factories import complete_declaration
from tests.utils import login

from .helpers import form_of, pdf_fonts, pdf_text, submitted_declaration

pytestmark = pytest.mark.django_db

# One character (or two) from each block people type into a Chinese form.
EVERY_BLOCK = {
    "Ext-A": "㐀䶵䶿", "Ext-B": "𠀀𪚥", "Ext-C": "𪜀", "Ext-D": "𫝀", "Ext-E": "𫠠", "Ext-F": "𬺰", "Ext-G": "𰀀𰻞",
    "URO (Unicode 11-13 additions)": "鿯鿿", "compatibility": "豈舘", "compatibility supplement": "丽",
    "enclosed numbers": "①②", "full-width punctuation": "，。：；！？（）【】《》“”、…—",
}
ALL = "".join(EVERY_BLOCK.values())
NOWHERE = "\U0002EBF0"  # CJK Extension I (Unicode 15.1): in none of the faces


def test_a_character_of_every_cjk_block_prints_with_no_missing_glyph(
        personas, django_capture_on_commit_callbacks, weasyprint_warnings):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks,
                                 project_name=f"生僻字{ALL[:20]}平台", summary="简介：" + ALL,
                                 cases=[{"name": "案例𠀀", "customer": "客户𰻞", "description": ALL}] * 5)
    doc = form_of(decl)
    assert doc.state == doc.State.READY, doc.error
    assert [m for m in weasyprint_warnings if "notdef" in m.lower()] == []
    assert not [m for m in weasyprint_warnings if "cannot be loaded" in m]  # the fallback face was found
    fonts = [re.sub(r"^[A-Z]{6}\+", "", f) for f in pdf_fonts(doc.file.path)]
    assert any(f.startswith("PilotHanFallback") for f in fonts), fonts
    text = re.sub(r"\s+", "", pdf_text(doc.file.path))
    for block, chars in EVERY_BLOCK.items():
        assert chars in text, block


def test_the_check_knows_every_block_is_covered_and_finds_what_is_not():
    assert missing_characters(ALL + "普通汉字 ABC\n\t") == []
    assert missing_characters(f"数据{NOWHERE}平台{NOWHERE}") == [NOWHERE]


def test_submitting_with_an_unprintable_character_names_the_field_and_the_character(personas):
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a, innovation=f"关键创新{NOWHERE}技术")
    with pytest.raises(TransitionError) as caught:
        submit_declaration(decl, actor=p.applicant_a)
    [failure] = [f for f in caught.value.failures if NOWHERE in f.message]
    assert failure.field == "innovation"
    assert "技术先进性与关键创新点" in failure.message and "U+2EBF0" in failure.message
    decl.refresh_from_db()
    assert decl.submitted_at is None and decl.innovation == f"关键创新{NOWHERE}技术"  # the draft is intact


def test_the_declaration_page_says_so_before_submitting(client, personas):
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a,
                                cases=[{"name": "案例", "customer": f"客户{NOWHERE}", "description": "情况"}] * 5)
    login(client, p.applicant_a)
    page = client.get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert "应用案例" in page and NOWHERE in page and "U+2EBF0" in page


def test_rare_but_printable_characters_do_not_block_submission(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, summary="𠀀𪚥𰻞" + "①②")
    assert decl.submitted_at is not None
