from django.contrib import admin
from django.urls import include, path

from config.views import ping, yardstick
from core import views as core_views
from declarations import views as declaration_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("ping/", ping, name="ping"),
    path("yardstick/", yardstick, name="yardstick"),
    path("accounts/register/", declaration_views.register, name="register"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("security/", include("core.security_urls")),
    path("applicant/groups/", include("quotas.membership_urls")),
    path("applicant/", include("declarations.urls")),
    path("manage/guides/", include("declarations.manage_urls")),
    path("unit/", include("quotas.urls")),
    path("review/", include("review.urls")),
    path("documents/", include("documents.urls")),
    path("demonstration/", include("demonstration.urls")),
    path("", include("operations.urls")),
    path("", include("core.urls")),
    path("django-admin/", admin.site.urls),
]

# Database/Redis outages met outside a view answer 503 like those in a view (core.middleware).
handler500 = "core.middleware.server_error"
