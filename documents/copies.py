"""The reviewer's PDF copy of an application form.

It is made from the same `ReviewerView` as the reviewer's pages (review.blind), so
the PDF cannot show more than the screen: in blind review the texts are masked, the
hidden attachments are missing and the cover's organisation block is left out
(`omit_organisation`, read by the print template). documents renders it in Celery
like any form; its target is the assignment, so only that reviewer may download it.
review asks for it with its signal `review_copy_requested`; its page shows it with the
`review_copy_of` template tag, so review imports nothing of documents.
"""

from django.utils.translation import gettext as _

from .content import application_form_content
from .issuing import current_document, request_form_copy
from .models import Document


def review_copy_content(*, assignment, view):
    content = application_form_content(view.decl)
    content["attachments"] = [{"name": a.filename, "label": a.note if not view.blind else a.label, "size": a.size,
                               "sha256": a.attachment.sha256} for a in view.attachments]
    content["review_copy"] = {"assignment": assignment.pk, "blind": view.blind}
    content["omit_organisation"] = view.blind
    if view.blind:
        content["unit"] = ""
    return content


def request_review_copy(*, assignment, view, actor, request=None):
    """Queue (or return the unchanged current) PDF copy of the form for this reviewer's assignment."""
    content = review_copy_content(assignment=assignment, view=view)
    year = content["guide"]["year"]
    return request_form_copy(assignment, content, number=lambda seq: f"PS{year}-{assignment.pk:06d}-{seq:02d}",
                             issued_to=_("评审专家（评审用副本）"), actor=actor, request=request)


def review_copy_document(assignment):
    return current_document(assignment, Document.Kind.APPLICATION_FORM)
