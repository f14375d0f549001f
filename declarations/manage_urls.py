from django.urls import path

from . import kind_views
from . import manage_views as v

app_name = "guides"
urlpatterns = [
    path("", v.guide_list, name="list"),
    path("new/", v.guide_copy, name="copy"),
    path("import-template.xlsx", v.import_template, name="import_template"),
    path("<int:pk>/", v.guide_detail, name="detail"),
    path("<int:pk>/edit/", v.guide_edit, name="edit"),
    path("<int:pk>/extend/", v.guide_extend, name="extend"),
    path("<int:pk>/publish/", v.guide_publish, name="publish"),
    path("<int:pk>/preview/", v.guide_preview, name="preview"),
    path("<int:pk>/categories/new/", v.category_form, name="category_add"),
    path("<int:pk>/categories/<int:cpk>/edit/", v.category_form, name="category_edit"),
    path("<int:pk>/categories/<int:cpk>/delete/", v.category_delete, name="category_delete"),
    path("<int:pk>/directions/new/", v.direction_form, name="direction_add"),
    path("<int:pk>/directions/<int:dpk>/edit/", v.direction_form, name="direction_edit"),
    path("<int:pk>/directions/<int:dpk>/delete/", v.direction_delete, name="direction_delete"),
    path("<int:pk>/rules/new/", v.rule_form, name="rule_add"),
    path("<int:pk>/rules/<int:rpk>/edit/", v.rule_form, name="rule_edit"),
    path("<int:pk>/rules/<int:rpk>/delete/", v.rule_delete, name="rule_delete"),
    path("<int:pk>/attachment-kinds/new/", kind_views.kind_form, name="kind_add"),
    path("<int:pk>/attachment-kinds/<int:kpk>/edit/", kind_views.kind_form, name="kind_edit"),
    path("<int:pk>/attachment-kinds/<int:kpk>/delete/", kind_views.kind_delete, name="kind_delete"),
    path("<int:pk>/documents/", kind_views.guide_documents, name="documents"),
    path("<int:pk>/import/", v.import_directions, name="import"),
    path("<int:pk>/import/confirm/", v.import_confirm, name="import_confirm"),
]
