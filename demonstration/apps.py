from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemonstrationConfig(AppConfig):
    name = "demonstration"
    verbose_name = _("示范期管理")
    default_auto_field = "django.db.models.BigAutoField"
