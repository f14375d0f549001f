from django.contrib import admin

from .models import Demonstration, Round


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """Read-only: rounds change through the ministry's pages (services), which audit every step."""

    list_display = ["title", "guide", "report_deadline", "unit_deadline", "seed", "published_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Demonstration)
class DemonstrationAdmin(RoundAdmin):
    list_display = ["declaration", "status", "revoked_at", "revoked_reason"]
    list_filter = ["status"]
