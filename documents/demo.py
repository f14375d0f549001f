"""Demo documents: make sure a signing certificate exists, then queue the forms and letters the demo data calls for."""

import os

from django.conf import settings

from declarations.models import Declaration
from quotas.models import RecommendationList

from .issuing import current_document, request_application_form, request_recommendation_letter
from .models import Document
from .signing import create_self_signed_p12


def load(ctx):
    if not os.path.exists(settings.SIGNING_P12_PATH):
        create_self_signed_p12(settings.SIGNING_P12_PATH, settings.SIGNING_P12_PASSWORD)
    for decl in Declaration.objects.filter(submitted_at__isnull=False):
        if current_document(decl, Document.Kind.APPLICATION_FORM) is None:
            request_application_form(decl.pk)
    for rec_list in RecommendationList.objects.filter(state=RecommendationList.State.CONFIRMED):
        if current_document(rec_list, Document.Kind.RECOMMENDATION_LETTER) is None:
            request_recommendation_letter(rec_list.pk)
