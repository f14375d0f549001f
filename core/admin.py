from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditRecord, Notification, User


@admin.register(User)
class PilotUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ("role", "full_name", "phone", "organisation", "unit")}),)
    list_display = ("username", "full_name", "role", "organisation", "unit", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("organisation", "unit")


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "summary")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


admin.site.register(Notification)

# django-otp's device admin would let staff add a device to another account, or read its secret, with no
# audit record and no word to the owner; devices change only through core/security_devices.py.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
