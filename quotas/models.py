from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.regions import REGIONS


class UnitQuerySet(models.QuerySet):
    def recommending_for(self, organisation):
        """Units an applicant may choose: those of its region, plus central SOE groups."""
        return self.filter(is_active=True).filter(Q(region=organisation.region) | Q(kind=Unit.Kind.SOE))


class Unit(models.Model):
    """A recommending unit (推荐单位). A unit with a parent recommends to its parent, else to the ministry."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省级主管部门")
        XPCC = "xpcc", _("新疆生产建设兵团")
        PLAN_CITY = "plan_city", _("计划单列市")
        SUBPROV_CAPITAL = "subprov_capital", _("副省级省会城市")
        SOE = "soe", _("中央企业集团")
        PILOT_ZONE = "pilot_zone", _("国家大数据综合试验区")
        DISTRICT = "district", _("区县主管部门")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("所在省级地区"), max_length=2, choices=REGIONS, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("上级推荐单位"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    seal = models.ImageField(_("电子印章（透明背景 PNG）"), upload_to="seals/", blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("推荐单位")
        verbose_name_plural = _("推荐单位")
        ordering = ["region", "name"]

    def __str__(self):
        return self.name
