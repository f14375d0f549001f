from django.contrib import admin

from .models import Attachment, AttachmentKind, Category, Declaration, Direction, Guide, Organisation, Rule


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
class GuideAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "doc_number", "applicant_deadline", "unit_deadline", "is_published")
    inlines = [CategoryInline, RuleInline, AttachmentKindInline]


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ("guide", "code", "name", "category")
    list_filter = ("guide",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "region", "division", "relocated", "dcmm_level")
    search_fields = ("name", "credit_code", "division")


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("project_name", "organisation", "guide", "direction", "state", "submitted_at")
    list_filter = ("guide", "state")
    raw_id_fields = ("organisation", "unit", "direction")
    readonly_fields = ("state", "version")


admin.site.register(Attachment)
