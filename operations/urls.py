from django.urls import path

from . import views

app_name = "operations"
urlpatterns = [
    path("ministry/", views.ministry_home, name="ministry_home"),
    path("ministry/dashboard/", views.admin_dashboard, name="dashboard"),
    path("ministry/declarations/", views.admin_declarations, name="declarations"),
]
