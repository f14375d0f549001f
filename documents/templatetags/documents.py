from django import template

from .. import rules, scans
from ..copies import review_copy_document
from ..models import Document

register = template.Library()


def _never_submitted(target):
    """A declaration never submitted has no generated documents nor scans yet (they start at the first submission)."""
    return getattr(target, "submitted_at", False) is None


def _current_documents(target):
    """Every current (not superseded) document of `target`, newest first, read once per page in one query: a
    declaration page shows its form's box, its dossier's box and the stamped-scan box; a list page its letter,
    its forms ZIP and the letter's scan box. Kept on the target object, which lives for one request."""
    docs = target.__dict__.get("_current_documents")
    if docs is None:
        docs = [] if _never_submitted(target) else list(Document.objects.for_target(target).current().order_by("-id"))
        target.__dict__["_current_documents"] = docs
    return docs


def _current(target, kind):
    """What `documents.issuing.current_document(target, kind)` answers, from `_current_documents`."""
    return next((d for d in _current_documents(target) if d.kind == kind), None)


@register.simple_tag
def application_form_of(declaration):
    return _current(declaration, Document.Kind.APPLICATION_FORM) if declaration else None


@register.simple_tag
def recommendation_letter_of(rec_list):
    return _current(rec_list, Document.Kind.RECOMMENDATION_LETTER) if rec_list else None


@register.simple_tag
def review_copy_of(assignment):
    """The reviewer's current PDF copy of the application form of `assignment` (documents.copies)."""
    return review_copy_document(assignment)


@register.simple_tag
def forms_zip_of(rec_list):
    return _current(rec_list, Document.Kind.FORMS_ZIP) if rec_list else None


@register.simple_tag
def dossier_of(declaration, user):
    """The current dossier of `declaration` that `user` would request: with reviews for the ministry (what
    documents.issuing.current_dossier answers, from `_current_documents`)."""
    if not declaration:
        return None
    include = bool(user.is_ministry)
    return next((d for d in _current_documents(declaration) if d.kind == Document.Kind.DOSSIER
                 and (d.content or {}).get("include_reviews") is include), None)


def scan_box_context(request, target, kind):
    """What the stamped-scan box of a declaration (form) or list (letter) shows; a fixed number of queries."""
    from django.urls import reverse

    is_form = kind == Document.Kind.APPLICATION_FORM
    scan = None if _never_submitted(target) else scans.latest_scan(target, kind)
    ctx = {
        "target": target, "kind": kind, "kind_label": Document.Kind(kind).label, "scan": scan,
        "current_doc": _current(target, kind),
        "can_upload": rules.can_upload_scan(request.user, target, kind),
        "upload_url": reverse("documents:upload_declaration_scan" if is_form else "documents:upload_list_scan",
                              args=[target.pk]),
        "status_url": reverse("documents:declaration_scans" if is_form else "documents:list_scans", args=[target.pk]),
        "versions": scans.documents_for_hand_linking(scan) if scan and scan.outcome == "unreadable" else [],
        "next": request.GET.get("next") or request.get_full_path(),
        "box_id": f"scans-{'declaration' if is_form else 'list'}-{target.pk}", "entries": [], "stamped_count": 0,
    }
    if not is_form and (scan or ctx["current_doc"]):  # no letter yet: no box, and no need to read the list
        entries = (target.entries.filter(recommended=True).order_by("rank", "id").select_related("declaration")
                   .only("rank", "rec_list", "declaration", "declaration__project_name")
                   .annotate(stamped=scans.has_current_scan("declaration_id", "declarations", "declaration")))
        ctx["entries"] = [{"rank": e.rank, "declaration": e.declaration, "stamped": e.stamped} for e in entries]
        ctx["stamped_count"] = sum(1 for e in ctx["entries"] if e["stamped"])
    return ctx


@register.inclusion_tag("documents/_scan_box.html", takes_context=True)
def scan_box(context, target, kind="application_form"):
    """The stamped-scan box: `{% scan_box decl %}` on declaration pages, `{% scan_box rec_list "recommendation_letter" %}`."""
    if target is None:
        return {}
    ctx = scan_box_context(context["request"], target, kind)
    return ctx if ctx["scan"] or ctx["current_doc"] else {}  # nothing to stamp yet: no box
