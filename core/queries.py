"""Named querysets of the core room, shared by pages and exports."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditRecord, Notification


def inbox(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


class AuditFilterForm(forms.Form):
    """Filters of the audit log; an invalid value gets a message and is ignored."""

    action = forms.CharField(label=gettext_lazy("操作"), required=False, max_length=64)
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150,
                            help_text=gettext_lazy("登录名或姓名的一部分；填“系统”查看系统操作"))
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": gettext_lazy("起始日期格式应为 2027-05-04")})
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": gettext_lazy("截止日期格式应为 2027-05-04")})
    target_type = forms.ChoiceField(label=gettext_lazy("对象类型"), required=False)
    target_id = forms.CharField(label=gettext_lazy("对象编号"), required=False, max_length=64)
    q = forms.CharField(label=gettext_lazy("说明或理由包含"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContentType.objects.filter(
            pk__in=AuditRecord.objects.exclude(target_type=None).values("target_type").distinct())
        self.fields["target_type"].choices = [("", _("全部"))] + sorted(
            ((f"{ct.app_label}.{ct.model}", str(ct.model_class()._meta.verbose_name) if ct.model_class() else ct.model)
             for ct in types), key=lambda c: c[1])

    def clean(self):
        data = super().clean()
        a, b = data.get("date_from"), data.get("date_to")
        if a and b and a > b:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        if data.get("target_id") and not data.get("target_type"):
            self.add_error("target_type", _("按对象编号筛选时请先选择对象类型"))
        return data


def audit_records(filters=None):
    """Audit records matching cleaned AuditFilterForm data, newest first, actors and types joined."""
    qs = AuditRecord.objects.select_related("actor", "target_type").order_by("-created_at", "-id")
    f = filters or {}
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    actor = (f.get("actor") or "").strip()
    if actor == "系统":
        qs = qs.filter(actor__isnull=True)
    elif actor:
        qs = qs.filter(Q(actor__username__icontains=actor) | Q(actor__full_name__icontains=actor))
    tz = timezone.get_current_timezone()
    if f.get("date_from"):
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(f["date_from"], time.min), tz))
    if f.get("date_to"):
        qs = qs.filter(created_at__lt=timezone.make_aware(datetime.combine(f["date_to"] + timedelta(days=1),
                                                                           time.min), tz))
    if f.get("target_type"):
        app_label, _dot, model = f["target_type"].partition(".")
        qs = qs.filter(target_type__app_label=app_label, target_type__model=model)
        if f.get("target_id"):
            qs = qs.filter(target_id=f["target_id"].strip())
    if f.get("q"):
        qs = qs.filter(Q(summary__icontains=f["q"]) | Q(reason__icontains=f["q"]))
    return qs


EXPORT_COLUMNS = [gettext_lazy("时间"), gettext_lazy("操作"), gettext_lazy("操作人登录名"), gettext_lazy("操作人"),
                  gettext_lazy("对象类型"), gettext_lazy("对象编号"), gettext_lazy("说明"), gettext_lazy("理由"),
                  gettext_lazy("IP 地址"), gettext_lazy("数据")]


def export_rows(qs):
    """Rows for CSV/Excel, read in chunks so a long log never sits in memory."""
    import json

    for r in qs.iterator(chunk_size=2000):
        yield [
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"), r.action,
            r.actor.username if r.actor else "", str(r.actor) if r.actor else "系统",
            f"{r.target_type.app_label}.{r.target_type.model}" if r.target_type else "", r.target_id,
            r.summary, r.reason, r.ip_address or "", json.dumps(r.data, ensure_ascii=False) if r.data else "",
        ]
