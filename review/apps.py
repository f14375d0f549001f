from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("专家评审")

    def ready(self):
        from declarations.signals import guide_copied, guide_loaded

        from .loading import on_guide_copied, on_guide_loaded

        guide_loaded.connect(on_guide_loaded, dispatch_uid="review.default_sheet")
        guide_copied.connect(on_guide_copied, dispatch_uid="review.copy_sheets")
        from . import exports  # noqa: F401 - registers the ranking export builder
