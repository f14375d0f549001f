from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("verify/<str:short_code>/", views.verify, name="verify"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("declarations/<int:pk>/status/", views.declaration_status, name="declaration_status"),
    path("declarations/<int:pk>/regenerate/", views.regenerate_form, name="regenerate_form"),
    path("declarations/<int:pk>/dossier/", views.request_dossier, name="request_dossier"),
    path("declarations/<int:pk>/dossier/status/", views.dossier_status, name="dossier_status"),
    path("lists/<int:pk>/status/", views.list_status, name="list_status"),
    path("lists/<int:pk>/letter/", views.regenerate_letter, name="regenerate_letter"),
    path("lists/<int:pk>/zip/", views.request_zip, name="request_zip"),
    path("declarations/<int:pk>/scans/", views.declaration_scans, name="declaration_scans"),
    path("declarations/<int:pk>/scans/upload/", views.upload_declaration_scan, name="upload_declaration_scan"),
    path("lists/<int:pk>/scans/", views.list_scans, name="list_scans"),
    path("lists/<int:pk>/scans/upload/", views.upload_list_scan, name="upload_list_scan"),
    path("scans/<int:pk>/download/", views.download_scan, name="download_scan"),
    path("scans/<int:pk>/link/", views.link_scan, name="link_scan"),
]
