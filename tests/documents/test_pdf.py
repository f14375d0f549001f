"""The PDFs themselves: Chinese that really renders, embedded fonts, round trip, signature."""

import re

import pytest

from documents import signing
from documents.pdf import FONT_FAMILIES

from .helpers import form_of, pdf_fonts, pdf_text, submitted_declaration

pytestmark = pytest.mark.django_db

# Every character class users type: common and rare hanzi (incl. Extension A), full-width
# punctuation, circled numbers, letterlike symbols, Latin, digits.
EVERY_KIND = "龘䶮堃喆赟镕犇淼 数据“引号”（括号）【方括号】《书名号》、；：！？…—①②⑩℃№ Ⅻ ABCxyz 0123456789"


def test_every_kind_of_character_renders_with_an_embedded_cjk_font(personas, django_capture_on_commit_callbacks,
                                                                   weasyprint_warnings):
    name = f"工业互联网{EVERY_KIND}平台"[:100]
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, project_name=name,
                                 summary=EVERY_KIND * 3, innovation="技术先进性：" + EVERY_KIND)
    doc = form_of(decl)
    assert doc.state == doc.State.READY, doc.error

    notdef = [m for m in weasyprint_warnings if "notdef" in m.lower() or "glyph" in m.lower()]
    assert notdef == []
    assert not [m for m in weasyprint_warnings if "cannot be loaded" in m]  # every @font-face file was found

    fonts = pdf_fonts(doc.file.path)
    assert fonts, "no fonts embedded"
    # Only the shipped faces are embedded (subset names look like ABCDEF+PilotSerifSC): no system font crept in.
    assert all(re.sub(r"^[A-Z]{6}\+", "", f).split("-")[0] in FONT_FAMILIES for f in fonts), fonts
    assert any("PilotSerifSC" in f for f in fonts)

    text = re.sub(r"\s+", "", pdf_text(doc.file.path))
    assert re.sub(r"\s+", "", name) in text
    assert decl.organisation.credit_code in text
    assert doc.number in text and doc.short_code in text and doc.fingerprint in text


def test_a_missing_glyph_is_caught_by_the_warning_check(weasyprint_warnings):
    """The check above is not vacuous: a character none of our faces has is reported, not silently swapped."""
    from documents.pdf import html_to_pdf

    html_to_pdf('<html lang="zh-CN"><body><p>数据\U0002EBF0</p></body></html>')  # CJK Extension I: in no face
    assert any("notdef" in m for m in weasyprint_warnings)


def test_the_form_is_signed_and_a_tampered_copy_is_detected(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    data = form_of(decl).file.read()

    intact, valid, signer = signing.validate_pdf(data)
    assert intact and valid
    assert signer == "测试签章证书"

    # Flip one byte inside the first content stream: the signed bytes no longer match.
    start = data.index(b"stream", data.index(b"/Length")) + 20
    tampered = data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1:]
    intact, valid, _ = signing.validate_pdf(tampered)
    assert not intact and not valid


def test_a_certificate_from_elsewhere_is_not_trusted(personas, django_capture_on_commit_callbacks, tmp_path):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    data = form_of(decl).file.read()
    other = signing.create_self_signed_p12(tmp_path / "other.p12", "x", common_name="别的证书")
    from pyhanko.sign.signers import SimpleSigner

    other_roots = [c for c in SimpleSigner.load_pkcs12(str(other), passphrase=b"x").cert_registry
                   if c.subject == c.issuer]
    intact, valid, _ = signing.validate_pdf(data, trust_roots=other_roots)
    assert intact and not valid


def test_make_demo_certificate_creates_one_and_keeps_it(settings, tmp_path):
    from django.core.management import call_command

    settings.SIGNING_P12_PATH = str(tmp_path / "sub" / "demo.p12")
    call_command("make_demo_certificate")
    first = (tmp_path / "sub" / "demo.p12").read_bytes()
    call_command("make_demo_certificate")
    assert (tmp_path / "sub" / "demo.p12").read_bytes() == first
    assert signing.get_signer().signing_cert is not None


def test_signing_works_inside_a_running_event_loop(signing_p12):
    """Browser-test drivers and async servers run a loop in the calling thread; signing must still work."""
    import asyncio

    from documents.signing import sign_pdf, validate_pdf

    from weasyprint import HTML

    blank = HTML(string="<p>核验</p>").write_pdf()

    async def inside_loop():
        return sign_pdf(blank, reason="测试")

    signed = asyncio.run(inside_loop())
    intact, valid, _name = validate_pdf(signed)
    assert intact and valid
