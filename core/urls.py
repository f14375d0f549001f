from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("ministry/", views.ministry_home, name="ministry_home"),
]
