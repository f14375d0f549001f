from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("推荐与名额")

    def ready(self):
        from declarations.signals import exemption_changed, guide_copied, guide_loaded, guide_publish_checks

        from .loading import on_exemption_changed, on_guide_copied, on_guide_loaded
        from .readiness import quota_checks

        guide_loaded.connect(on_guide_loaded, dispatch_uid="quotas.load_quotas")
        guide_copied.connect(on_guide_copied, dispatch_uid="quotas.copy_quotas")
        exemption_changed.connect(on_exemption_changed, dispatch_uid="quotas.mark_places")
        guide_publish_checks.connect(quota_checks, dispatch_uid="quotas.quota_checks")
        from . import export  # noqa: F401 - registers the confirmed list's export builder
