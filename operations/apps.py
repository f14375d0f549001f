from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("年度运行")

    def ready(self):
        # Receivers are connected here, once the apps are loaded (Django's documented place for it).
        from declarations.signals import deadline_extended

        from .receivers import announce_deadline_extension

        deadline_extended.connect(announce_deadline_extension, dispatch_uid="operations.announce_extension")
