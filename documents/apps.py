from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("文书生成与核验")

    def ready(self):
        # Django's documented place to register checks and connect receivers, once the apps are loaded.
        from declarations.signals import declaration_checks, declaration_submitted
        from quotas.signals import list_confirmed
        from review.signals import review_copy_requested

        from . import (
            checks,  # noqa: F401 - registers the system checks
            tasks,  # noqa: F401 - registers the Celery tasks that issuing queues by name
        )
        from .receivers import (
            application_form_on_submit,
            letter_on_confirm,
            review_copy_on_request,
            unprintable_on_check,
        )

        declaration_submitted.connect(application_form_on_submit, dispatch_uid="documents.application_form")
        list_confirmed.connect(letter_on_confirm, dispatch_uid="documents.recommendation_letter")
        declaration_checks.connect(unprintable_on_check, dispatch_uid="documents.unprintable")
        review_copy_requested.connect(review_copy_on_request, dispatch_uid="documents.review_copy")
