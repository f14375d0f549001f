from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("专家评审")

    def ready(self):
        from declarations.signals import (
            declaration_state_changed,
            guide_copied,
            guide_loaded,
            guide_publish_checks,
        )

        from .checks import scoring_checks
        from .loading import on_guide_copied, on_guide_loaded
        from .scores import on_declaration_state_changed

        guide_loaded.connect(on_guide_loaded, dispatch_uid="review.default_sheet")
        guide_copied.connect(on_guide_copied, dispatch_uid="review.copy_sheets")
        guide_publish_checks.connect(scoring_checks, dispatch_uid="review.scoring_checks")
        declaration_state_changed.connect(on_declaration_state_changed, dispatch_uid="review.stored_scores")
        from . import exports  # noqa: F401 - registers the ranking export builder
        from . import tasks  # noqa: F401 - registers the Celery task that assignment_runs queues by name
