from django.contrib import admin

from .models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "parent", "is_active")
    list_filter = ("kind", "region")
    search_fields = ("name",)
