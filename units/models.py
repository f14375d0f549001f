"""The tree of recommending units (推荐单位): who recommends to whom, and which organisations a central
SOE group has confirmed as its members. Below declarations, so an applicant's choice of unit needs no quota."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.regions import REGIONS, region_name

from .validators import validate_seal


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
        DEMO_BASE = "demo_base", _("国家新型工业化产业示范基地（大数据）")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("所在省级地区"), max_length=2, choices=REGIONS, blank=True)
    division = models.CharField(
        _("辖区行政区划代码"), max_length=6, blank=True,
        help_text=_("GB/T 2260 六位代码：区县主管部门填区县代码（如河西区 120103），计划单列市、副省级省会城市填市代码"
                    "（如大连市 210200）。申报单位按所在地自动归入其辖区推荐单位。"))
    parent = models.ForeignKey("self", verbose_name=_("上级推荐单位"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    seal = models.ImageField(_("电子印章（透明背景 PNG）"), upload_to="seals/", blank=True,
                             validators=[validate_seal])
    doc_prefix = models.CharField(_("发文机关代字"), max_length=20, blank=True,
                                  help_text=_("推荐函文号的机关代字，例如“津工信软”；留空则用“推荐函”。"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("推荐单位")
        verbose_name_plural = _("推荐单位")
        db_table = "quotas_unit"  # the table predates the units app
        ordering = ["region", "name"]
        constraints = [
            # Applicants are routed by division: one active unit per place keeps the route unambiguous.
            models.UniqueConstraint(fields=["division"], condition=Q(is_active=True) & ~Q(division=""),
                                    name="one_active_unit_per_division",
                                    violation_error_message=_("已有启用的推荐单位使用该行政区划代码")),
        ]

    def get_region_display(self):
        return region_name(self.region)

    def __str__(self):
        return self.name

    @property
    def recommends_to_ministry(self):
        return self.parent_id is None

    @property
    def accepts_members(self):
        """Organisations reach this unit by its confirmation, not by their place: SOE groups and bases."""
        return self.kind in MEMBERSHIP_KINDS


# Units an organisation declares through once the unit confirmed it: a central SOE group its subsidiaries, a
# demonstration base the enterprises in the base (2023).
MEMBERSHIP_KINDS = (Unit.Kind.SOE, Unit.Kind.DEMO_BASE)


class GroupMembership(models.Model):
    """An organisation's request to declare through a central SOE group (中央企业集团), and the group's answer.

    Only an accepted membership lets the organisation choose the group instead of the unit of its region.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待集团确认")
        ACCEPTED = "accepted", _("集团已确认")
        REJECTED = "rejected", _("集团未确认")

    organisation = models.ForeignKey("declarations.Organisation", on_delete=models.CASCADE,
                                     related_name="group_memberships", verbose_name=_("申报单位"))
    group = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="membership_requests",
                              verbose_name=_("中央企业集团或示范基地"),
                              limit_choices_to={"kind__in": ["soe", "demo_base"]})
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    note = models.CharField(_("隶属关系说明"), max_length=200,
                            help_text=_("例如：集团全资子公司“国网天津市电力公司”的下属单位，持股比例 100%"))
    reason = models.CharField(_("集团处理意见"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集团成员确认")
        verbose_name_plural = _("集团成员确认")
        db_table = "quotas_groupmembership"  # the table predates the units app
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "group"], name="one_membership_per_group"),
            models.CheckConstraint(condition=Q(state__in=["pending", "accepted", "rejected"]),
                                   name="membership_state_valid"),
            models.CheckConstraint(condition=Q(state="pending") | Q(decided_at__isnull=False),
                                   name="membership_decided_has_time"),
        ]

    def __str__(self):
        return f"{self.organisation} → {self.group}（{self.get_state_display()}）"
