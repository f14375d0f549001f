from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("ministry/audit/", views.audit_log, name="audit_log"),
    path("ministry/audit/export.<str:fmt>", views.audit_export, name="audit_export"),
    path("ministry/audit/export-excel/", views.audit_export_excel, name="audit_export_excel"),
    path("ministry/exports/<int:pk>/", views.export_status, name="export"),
    path("ministry/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("inbox/", views.inbox_list, name="inbox"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="inbox_open"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
    path("health/", views.health, name="health"),
]
