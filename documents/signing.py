"""PAdES signatures with the system's certificate (PKCS#12 from settings), and the demo certificate."""

import asyncio
import datetime
import io
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from django.conf import settings


class SigningNotConfigured(Exception):
    """No certificate at settings.SIGNING_P12_PATH: rendering cannot succeed until one is installed."""


def create_self_signed_p12(path, password, *, common_name="试点示范申报系统（演示签章证书）", days=3650):
    """Write a demo signing key and certificate as PKCS#12 to `path`; returns the path.

    The certificate is issued by a demo root made on the spot (in the file too), since
    validators refuse a lone self-signed end certificate; nothing outside trusts either.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "大数据产业发展试点示范项目申报系统"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ])

    def usage(**on):
        flags = dict.fromkeys(["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                               "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False)
        return x509.KeyUsage(**{**flags, **on})

    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name(f"{common_name} 根证书")
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(root_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"pilotdecl-signer", key, cert, [root], serialization.BestAvailableEncryption(password.encode()))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def trust_roots_of_configured_certificate():
    """The self-signed certificates in the configured PKCS#12 (the demo root), trusted by validate_pdf."""
    signer = get_signer()
    roots = [c for c in signer.cert_registry if c.subject == c.issuer]
    return roots or [signer.signing_cert]


@lru_cache(maxsize=4)
def _signer(path, password, mtime):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode() if password else None)
    if signer is None:
        raise SigningNotConfigured(f"cannot read the signing certificate at {path} (wrong password?)")
    return signer


def get_signer():
    path = settings.SIGNING_P12_PATH
    if not path or not os.path.exists(path):
        raise SigningNotConfigured(f"no signing certificate at {path!r}; run manage.py make_demo_certificate")
    return _signer(str(path), settings.SIGNING_P12_PASSWORD or "", os.path.getmtime(path))


def _outside_event_loop(fn):
    """pyHanko's synchronous API calls asyncio.run(), which fails in a thread that already
    runs an event loop (an async server, a browser-test driver); run it in a helper thread there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def sign_pdf(pdf_bytes, *, reason, location="中国北京", name=None):
    """The PDF signed invisibly (PAdES baseline B) by the configured certificate."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = get_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name="SystemSignature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location, name=name)
    out = io.BytesIO()
    _outside_event_loop(lambda: signers.PdfSigner(meta, signer=signer).sign_pdf(
        writer, output=out, bytes_reserved=_bytes_reserved(signer)))
    return out.getvalue()


def _bytes_reserved(signer):
    """Room for the CMS signature in the PDF. Without it pyHanko signs twice, a dummy signature first
    to measure the size: half the signing time. The container holds the certificates, the signature
    value and the signed attributes; 8 KB covers the rest with a wide margin."""
    certs = [signer.signing_cert, *signer.cert_registry]
    return (sum(len(c.dump()) for c in certs) + 8192) // 2 * 2  # pyHanko wants an even number


def validate_pdf(pdf_bytes, trust_roots=None):
    """Status of the first signature of `pdf_bytes`: (intact, valid, signer common name).

    `intact`: the signed bytes are unchanged; `valid`: intact, cryptographically sound and
    made by a certificate that chains to one of the trust roots (pyHanko's bottom line).

    `trust_roots` defaults to the root certificates inside the configured PKCS#12.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if trust_roots is None:
        trust_roots = trust_roots_of_configured_certificate()
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    if not reader.embedded_signatures:
        return False, False, ""
    status = _outside_event_loop(lambda: validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=trust_roots)))
    return status.intact, status.bottom_line, status.signing_cert.subject.native.get("common_name", "")
