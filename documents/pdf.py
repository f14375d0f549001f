"""HTML → PDF with the fonts shipped in documents/fonts and nothing else.

WeasyPrint's own font configuration loads every system font, so a character
our faces lack would silently be drawn from whatever the machine has (or as a
box on a machine with none). Ours starts from an empty Fontconfig
configuration: the only faces are the @font-face rules of the print stylesheet,
and a character they lack is logged as a ".notdef glyph" warning — the same on
every machine. One configuration is kept per process, so the 24 MB and 51 MB fallback faces
is read once per worker rather than once per document.
"""

import os
import threading
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PRINT_CSS = Path(__file__).resolve().parent / "templates" / "documents" / "print" / "print.css"
# Characters beyond the BMP (CJK Extensions B–G, compatibility supplement) are in no Noto CJK face:
# BabelStone Han (Debian fonts-babelstone-han, 51 MB, free licence) covers Extensions A–G. It is read
# from the system package rather than vendored, but only through its @font-face rule: the rest of the
# system's fonts stay invisible to WeasyPrint.
FALLBACK_FONT = Path(os.environ.get("DOCUMENTS_FALLBACK_FONT",
                                    "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf"))
FONT_FILES = {
    "regular": FONT_DIR / "NotoSerifCJKsc-Regular-GB2312.otf",
    "bold": FONT_DIR / "NotoSerifCJKsc-Bold-GB2312.otf",
    "full": FONT_DIR / "NotoSerifCJKsc-Regular.otf",
    "fallback": FALLBACK_FONT,
}
# How the stylesheet names the faces, in fallback order; pdffonts shows these names for embedded fonts.
FONT_FAMILIES = ("PilotSerifSC", "PilotSerifSCFull", "PilotHanFallback")

_local = threading.local()
_declared = False
_RECYCLE_AFTER = 500  # renders per configuration; WeasyPrint caches layouts on it


def _isolated_font_configuration():
    from weasyprint.text import ffi as wffi
    from weasyprint.text.fonts import FontConfiguration

    global _declared
    if not _declared:
        # WeasyPrint's cffi declarations lack the one call that makes an empty configuration.
        wffi.ffi.cdef("FcConfig * FcConfigCreate (void);", override=True)
        _declared = True

    class IsolatedFontConfiguration(FontConfiguration):
        def __init__(self):  # noqa: D107 - mirrors FontConfiguration.__init__ with an empty config
            self._config = wffi.fontconfig.FcConfigCreate()
            self.font_map = wffi.ffi.gc(wffi.pangoft2.pango_ft2_font_map_new(), wffi.gobject.g_object_unref)
            wffi.pangoft2.pango_fc_font_map_set_config(
                wffi.ffi.cast("PangoFcFontMap *", self.font_map), self._config)
            wffi.fontconfig.FcConfigDestroy(self._config)
            self._folder = None
            self.strut_layouts = {}
            self.font_features = {}

        def __del__(self):
            try:
                super().__del__()
            except Exception:  # noqa: BLE001,S110 - at interpreter exit shutil may already be gone
                pass

    return IsolatedFontConfiguration()


def _font_setup():
    """(font_config, stylesheet) of this thread in this process, built on first use."""
    from weasyprint import CSS

    state = getattr(_local, "state", None)
    if state is None or state["pid"] != os.getpid() or state["uses"] >= _RECYCLE_AFTER:
        config = _isolated_font_configuration()
        css = CSS(string=print_stylesheet(), font_config=config, base_url=str(FONT_DIR) + "/")
        state = _local.state = {"pid": os.getpid(), "config": config, "css": css, "uses": 0}
    state["uses"] += 1
    return state["config"], state["css"]


def print_stylesheet():
    faces = (
        f'@font-face {{ font-family: "PilotSerifSC"; font-weight: normal; src: url("{FONT_FILES["regular"].as_uri()}"); }}\n'
        f'@font-face {{ font-family: "PilotSerifSC"; font-weight: bold; src: url("{FONT_FILES["bold"].as_uri()}"); }}\n'
        f'@font-face {{ font-family: "PilotSerifSCFull"; src: url("{FONT_FILES["full"].as_uri()}"); }}\n'
        f'@font-face {{ font-family: "PilotHanFallback"; src: url("{FONT_FILES["fallback"].as_uri()}"); }}\n'
    )
    return faces + PRINT_CSS.read_text(encoding="utf-8")


def render_html(html, *, base_url=None):
    """The weasyprint Document of `html` (a full page with lang="zh-CN"), laid out with our fonts only."""
    from weasyprint import HTML

    config, css = _font_setup()
    return HTML(string=html, base_url=base_url or str(FONT_DIR) + "/").render(
        stylesheets=[css], font_config=config)


def html_to_pdf(html):
    return render_html(html).write_pdf()


def render_template_to_pdf(template, context):
    """Render `template` to (PDF bytes, page count).

    A letter one page too long is laid out again with tighter spacing and kept if it then fits. A form whose cover runs over its first page (a long project name, many directions) would push
    the cover's verification block onto a page of its own: it is laid out again with a compact cover.
    """
    document = render_html(render_to_string(template, context))
    if _cover_spills(document):
        document = render_html(render_to_string(template, {**context, "compact_cover": True}))
    elif len(document.pages) == 2 and "letter-body" in document.pages[0].anchors:
        # GB/T 9704 7.3.5: when the closing does not fit, tighten the spacing rather than turn the page.
        tight = render_html(render_to_string(template, {**context, "compact_letter": True}))
        if len(tight.pages) == 1:
            document = tight
    return document.write_pdf(), len(document.pages)


def _cover_spills(document):
    """True when the first heading after the form's cover (id "after-cover") is not on page 2."""
    pages = [i for i, page in enumerate(document.pages) if "after-cover" in page.anchors]
    return bool(pages) and pages[0] != 1


def verification_url(short_code):
    from django.urls import reverse

    return settings.SITE_URL + reverse("documents:verify", args=[short_code])


def qr_svg(url):
    """An inline SVG QR code of `url`, sized by the stylesheet (class "qr")."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=1, border=2, svgclass="qr", omitsize=True, dark="#000")
