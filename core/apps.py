from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("账户与审计")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from .signals import record_login_failure

        user_login_failed.connect(record_login_failure, dispatch_uid="core.record_login_failure")
