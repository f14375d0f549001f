from django.contrib import admin

from .models import ListEntry, QuotaRule, RecommendationList, UnitGuideSetting
from .queries import mark_places


@admin.register(QuotaRule)
class QuotaRuleAdmin(admin.ModelAdmin):
    list_display = ("guide", "unit_kind", "quota")
    list_filter = ("guide",)

    # A "through parent" kind decides which entries are a child's extra: the stored flags follow each change.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        mark_places(obj.guide)

    def delete_model(self, request, obj):
        guide = obj.guide
        super().delete_model(request, obj)
        mark_places(guide)

    def delete_queryset(self, request, queryset):
        guides = {rule.guide_id: rule.guide for rule in queryset.select_related("guide")}
        super().delete_queryset(request, queryset)
        for guide in guides.values():
            mark_places(guide)


@admin.register(UnitGuideSetting)
class UnitGuideSettingAdmin(admin.ModelAdmin):
    """Read-only here: changes go through the overview page so they are audited with a reason."""

    list_display = ("guide", "unit", "quota", "deadline", "reason")
    list_filter = ("guide",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class ListEntryInline(admin.TabularInline):
    model = ListEntry
    extra = 0
    can_delete = False
    readonly_fields = ("declaration", "rank", "recommended")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RecommendationList)
class RecommendationListAdmin(admin.ModelAdmin):
    """Read-only here: lists change only through the list services (quotas.lists and the modules that use it)."""

    list_display = ("unit", "guide", "state", "confirmed_at", "document_number")
    list_filter = ("guide", "state")
    inlines = [ListEntryInline]
    readonly_fields = ("guide", "unit", "state", "confirmed_at", "confirmed_by", "document_number", "version")

    def has_add_permission(self, request):
        return False
