"""System checks of the documents room: the public address on every PDF, and the fallback face."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .pdf import FALLBACK_FONT


def _is_local(host):
    host = (host or "").strip("[]").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified or ip.is_link_local


@register("documents", deploy=True)
def site_url_is_public(app_configs=None, **kwargs):
    """Every QR code and printed address carries SITE_URL: a local one sends readers nowhere."""
    parts = urlsplit(settings.SITE_URL or "")
    if parts.scheme not in ("http", "https") or _is_local(parts.hostname):
        return [Error(
            f"SITE_URL is {settings.SITE_URL!r}, a local address: the QR codes and verification addresses "
            "printed on documents would not reach the site.",
            hint="Set the SITE_URL environment variable to the public address, e.g. https://sbxt.example.gov.cn",
            id="documents.E001")]
    return []


@register("documents")
def fallback_font_is_installed(app_configs=None, **kwargs):
    if not FALLBACK_FONT.exists():
        return [Warning(
            f"The CJK fallback face {FALLBACK_FONT} is missing: characters of CJK Extensions B-G print as boxes "
            "and submissions containing them are refused.",
            hint="apt-get install fonts-babelstone-han, or set DOCUMENTS_FALLBACK_FONT to BabelStoneHan.ttf",
            id="documents.W001")]
    return []
