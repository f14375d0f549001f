from django.urls import path

from . import security_views

app_name = "security"
urlpatterns = [
    path("2fa/setup/", security_views.otp_setup, name="otp_setup"),
    path("2fa/verify/", security_views.otp_verify, name="otp_verify"),
    path("2fa/reset/<int:pk>/", security_views.otp_reset, name="otp_reset"),
]
