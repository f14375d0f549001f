from django.contrib import admin

from .guide_cache import bump_guide_version
from .models import Attachment, AttachmentKind, Category, Declaration, Direction, Guide, Organisation, Rule
from .signals import exemption_changed
from .tallies import rebuild_tallies


class BumpsGuideVersion:
    """For admin pages that edit a guide's data (its directions, rules, kinds, sheets): each save and delete raises
    the guide's data version, as the site's own services do, so the pages' cached copies are not read again."""

    def guide_of(self, obj):
        return obj.guide

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        bump_guide_version(self.guide_of(form.instance))

    def delete_model(self, request, obj):
        guide = self.guide_of(obj)
        super().delete_model(request, obj)
        bump_guide_version(guide)

    def delete_queryset(self, request, queryset):
        guides = {obj.guide_id: obj.guide for obj in queryset.select_related("guide")}
        super().delete_queryset(request, queryset)
        for guide in guides.values():
            bump_guide_version(guide)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0


class AttachmentKindInline(admin.TabularInline):
    model = AttachmentKind
    extra = 0


@admin.register(Guide)
class GuideAdmin(BumpsGuideVersion, admin.ModelAdmin):
    list_display = ("year", "title", "doc_number", "applicant_deadline", "unit_deadline", "is_published")
    inlines = [CategoryInline, RuleInline, AttachmentKindInline]

    def guide_of(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "quota_exempt_dcmm_min" in form.changed_data:
            exemption_changed.send(sender=Guide, guide_id=obj.pk)

    def delete_model(self, request, obj):  # the guide goes, and its cached data with it
        admin.ModelAdmin.delete_model(self, request, obj)

    def delete_queryset(self, request, queryset):
        admin.ModelAdmin.delete_queryset(self, request, queryset)


@admin.register(Direction)
class DirectionAdmin(BumpsGuideVersion, admin.ModelAdmin):
    list_display = ("guide", "code", "name", "category")
    list_filter = ("guide",)


def _recount(guide_ids):
    """Edits here bypass the services, so the counters of the guides touched are counted again."""
    for guide in Guide.objects.filter(pk__in=set(guide_ids)):
        rebuild_tallies(guide)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "region", "division", "relocated", "dcmm_level")
    search_fields = ("name", "credit_code", "division")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "dcmm_level" in form.changed_data:
            exemption_changed.send(sender=Organisation, organisation_id=obj.pk)
        if change and "region" in form.changed_data:
            _recount(obj.declarations.values_list("guide_id", flat=True))


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("project_name", "organisation", "guide", "direction", "state", "submitted_at")
    list_filter = ("guide", "state")
    raw_id_fields = ("organisation", "unit", "direction")
    readonly_fields = ("state", "version")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _recount([obj.guide_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _recount([obj.guide_id])

    def delete_queryset(self, request, queryset):
        guide_ids = list(queryset.values_list("guide_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        _recount(guide_ids)


admin.site.register(Attachment)
