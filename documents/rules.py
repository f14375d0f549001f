"""Who may see and request generated documents. The one place for these checks.

Application forms follow the declaration (declarations.access.can_view_declaration:
the applicant its own, a unit its jurisdiction, the ministry all) — except
reviewers, whose review is blind while the form names the applicant. List
documents (letter, ZIP) belong to the list's unit, the parent unit the letter is
addressed to, and the ministry.
"""

import rules

from declarations.access import can_view_declaration

from .models import Document


def can_access_declaration_documents(user, declaration):
    if not user.is_authenticated or declaration is None or user.is_reviewer:
        return False
    return can_view_declaration(user, declaration)


def can_access_list_documents(user, rec_list):
    """The quotas room's own rule for seeing a list: its unit, the parent unit, the ministry."""
    if not user.is_authenticated or rec_list is None:
        return False
    return user.has_perm("quotas.view_list", rec_list)


def can_manage_list_documents(user, rec_list):
    """Regenerate the letter or build a ZIP: the list's own unit and the ministry."""
    if not user.is_authenticated or rec_list is None:
        return False
    return user.is_ministry or user.has_perm("quotas.change_list", rec_list)


def can_request_dossier(user, declaration):
    """A declaration's dossier: the ministry, and unit staff whose jurisdiction it is in (quotas.view_declaration)."""
    if not user.is_authenticated or declaration is None:
        return False
    return user.is_ministry or user.has_perm("quotas.view_declaration", declaration)


def can_view_document(user, doc):
    if not user.is_authenticated:
        return False
    if doc.kind == Document.Kind.DOSSIER:
        if (doc.content or {}).get("include_reviews"):
            return user.is_ministry  # the experts' reviews and names are for the ministry only
        return can_request_dossier(user, doc.target)
    if doc.kind == Document.Kind.APPLICATION_FORM:
        if (doc.content or {}).get("review_copy"):  # a reviewer's copy: the review app's rule decides
            return user.has_perm("review.view_review_copy", doc.target)
        return can_access_declaration_documents(user, doc.target)
    return can_access_list_documents(user, doc.target)


def can_view_scan(user, scan):
    """A stamped scan follows its declaration or list, like the documents themselves."""
    if not user.is_authenticated or scan is None or scan.target is None:
        return False
    if scan.kind == Document.Kind.APPLICATION_FORM:
        return can_access_declaration_documents(user, scan.target)
    return can_access_list_documents(user, scan.target)


def can_upload_scan(user, scan_or_target, kind):
    """Applicants and units send back the stamped paper: the form by those who see the declaration
    (not reviewers), the letter by the list's own unit (and the ministry)."""
    if kind == Document.Kind.APPLICATION_FORM:
        return can_access_declaration_documents(user, scan_or_target)
    return can_manage_list_documents(user, scan_or_target)


def can_link_scan(user, scan):
    """Pick the document version of a scan by hand: whoever may see the scan and send that paper back."""
    return can_view_scan(user, scan) and can_upload_scan(user, scan.target, scan.kind)


# The views ask these (core.decorators.permission_required); the functions above stay callable for templates.
rules.add_perm("documents.view_declaration_documents", rules.predicate(can_access_declaration_documents))
rules.add_perm("documents.view_list_documents", rules.predicate(can_access_list_documents))
rules.add_perm("documents.manage_list_documents", rules.predicate(can_manage_list_documents))
rules.add_perm("documents.request_dossier", rules.predicate(can_request_dossier))
rules.add_perm("documents.view_document", rules.predicate(can_view_document))
rules.add_perm("documents.view_scan", rules.predicate(can_view_scan))
rules.add_perm("documents.link_scan", rules.predicate(can_link_scan))
