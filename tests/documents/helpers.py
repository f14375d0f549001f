import subprocess

from declarations.services import submit_declaration
from documents.models import Document
from tests.factories import complete_declaration


def submitted_declaration(personas, capture, *, org=None, unit=None, actor=None, **fields):
    """A declaration of applicant A (or `org`) submitted, with its on-commit work (the form) run."""
    p = personas
    decl = complete_declaration(p.guide, org or p.org_a, unit or p.district_a, **fields)
    with capture(execute=True):
        submit_declaration(decl, actor=actor or p.applicant_a)
    return decl


def form_of(decl):
    return Document.objects.for_target(decl, Document.Kind.APPLICATION_FORM).current().get()


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path):
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
