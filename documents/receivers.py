"""documents answers the lower rooms' signals: it is never imported by them."""

from .copies import request_review_copy
from .glyphs import unprintable_fields
from .issuing import request_application_form, request_recommendation_letter


def application_form_on_submit(sender, *, declaration_id, **kwargs):
    """declarations.signals.declaration_submitted: render the application form PDF."""
    request_application_form(declaration_id)


def letter_on_confirm(sender, *, list_id, **kwargs):
    """quotas.signals.list_confirmed: render the recommendation letter."""
    request_recommendation_letter(list_id)


def unprintable_on_check(sender, *, declaration, **kwargs):
    """declarations.signals.declaration_checks: fields with characters the printed form cannot draw."""
    return unprintable_fields(declaration)


def review_copy_on_request(sender, *, assignment, view, actor, request=None, **kwargs):
    """review.signals.review_copy_requested: render the reviewer's copy of the form."""
    request_review_copy(assignment=assignment, view=view, actor=actor, request=request)
