from django.contrib import admin

from declarations.admin import BumpsGuideVersion

from .models import Criterion, DirectionSetting, Panel, ReviewerProfile, ReviewSettings, ScoringSheet


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(ScoringSheet)
class ScoringSheetAdmin(BumpsGuideVersion, admin.ModelAdmin):
    list_display = ("guide", "direction", "name")
    list_filter = ("guide",)
    inlines = [CriterionInline]


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ("guide", "blind", "region_conflict", "reviewers_per_declaration", "published_at")
    readonly_fields = ("notice_opened_at", "published_at")


@admin.register(DirectionSetting)
class DirectionSettingAdmin(admin.ModelAdmin):
    list_display = ("direction", "selection_limit")
    list_filter = ("direction__guide",)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "employer", "region", "is_active")
    search_fields = ("name", "employer")
    filter_horizontal = ("expertise",)
    autocomplete_fields = ("conflicts",)
    raw_id_fields = ("user",)


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ("name", "guide")
    list_filter = ("guide",)
    filter_horizontal = ("directions", "reviewers")
