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
]
