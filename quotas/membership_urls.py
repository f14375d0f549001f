"""The applicant's side of SOE-group membership, mounted under /applicant/groups/."""

from django.urls import path

from . import membership_views

app_name = "memberships"
urlpatterns = [
    path("", membership_views.apply, name="apply"),
]
