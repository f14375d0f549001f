from django import template

from ..models import Document
from ..services import current_document

register = template.Library()


@register.simple_tag
def application_form_of(declaration):
    return current_document(declaration, Document.Kind.APPLICATION_FORM) if declaration else None


@register.simple_tag
def recommendation_letter_of(rec_list):
    return current_document(rec_list, Document.Kind.RECOMMENDATION_LETTER) if rec_list else None


@register.simple_tag
def forms_zip_of(rec_list):
    return current_document(rec_list, Document.Kind.FORMS_ZIP) if rec_list else None


@register.simple_tag
def dossier_of(declaration, user):
    """The current dossier of `declaration` that `user` would request: with reviews for the ministry."""
    from ..services import current_dossier

    return current_dossier(declaration, include_reviews=user.is_ministry) if declaration else None
