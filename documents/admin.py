from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "issued_to", "state", "attempts", "created_at", "ready_at", "superseded_by"]
    list_filter = ["kind", "state"]
    search_fields = ["number", "short_code", "issued_to", "fingerprint"]
    readonly_fields = [f.name for f in Document._meta.fields]

    def has_add_permission(self, request):
        return False
