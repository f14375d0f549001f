from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.regions import REGIONS, XPCC, credit_code_division, division_name, division_within, region_name

from .uploads import (  # noqa: F401  re-exported: callers and migrations name them as declarations.models
    UPLOAD_TYPES, Attachment, AttachmentKind, UploadedFile, default_allowed_types)
from .validators import validate_credit_code

DCMM_LEVELS = [
    (0, _("无")), (1, _("1级（初始级）")), (2, _("2级（受管理级）")), (3, _("3级（稳健级）")),
    (4, _("4级（量化管理级）")), (5, _("5级（优化级）")),
]


class GuideQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def open_for_applicants(self, now=None):
        now = now or timezone.now()
        return self.published().filter(applicant_deadline__gt=now)


class Guide(models.Model):
    """One yearly guide (申报指南). Everything that changes by year lives here as data."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=80, blank=True)
    applicant_deadline = models.DateTimeField(_("申报截止时间"), null=True, blank=True)
    unit_deadline = models.DateTimeField(_("推荐单位确认截止时间"), null=True, blank=True)
    max_directions = models.PositiveSmallIntegerField(
        _("每个项目可选方向数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)])
    demo_period_years = models.PositiveSmallIntegerField(_("示范期（年）"), default=2)
    quota_exempt_dcmm_min = models.PositiveSmallIntegerField(
        _("不占推荐名额的 DCMM 最低等级"), null=True, blank=True,
        help_text=_("例如 2022 年：DCMM 3 级及以上的申报主体不占用推荐名额。留空表示无豁免。"))
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    source = models.CharField(_("来源"), max_length=80, blank=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="copies", verbose_name=_("复制自"))
    # The official notice and the blank 申报书 template, downloadable from the guide page once published.
    notice_file = models.FileField(_("通知正式文件"), upload_to="guides/%Y/", blank=True)
    notice_name = models.CharField(_("通知文件名"), max_length=200, blank=True)
    template_file = models.FileField(_("申报书模板"), upload_to="guides/%Y/", blank=True)
    template_name = models.CharField(_("模板文件名"), max_length=200, blank=True)
    programme_name = models.CharField(
        _("项目类别名称"), max_length=30, default="试点示范项目",
        help_text=_("申报书封面和推荐函标题中的名称：2023 年起为“示范项目”（大数据产业发展示范，不再有“试点”）。"))
    # 2023: "企业及企业联合体" may apply; a lead organisation declares on behalf of its members.
    consortium_allowed = models.BooleanField(_("允许企业联合体申报"), default=False)
    consortium_max_members = models.PositiveSmallIntegerField(
        _("联合体成员单位上限（不含牵头单位）"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)], help_text=_("留空表示不限。"))
    # Raised (declarations.guide_cache.bump_guide_version) in the same transaction as every change to the guide's
    # directions, categories, rules, attachment kinds or scoring sheets: the key of what the pages cache of them.
    data_version = models.PositiveIntegerField(_("指南数据版本"), default=1, editable=False)

    objects = GuideQuerySet.as_manager()

    class Meta:
        verbose_name = _("申报指南")
        verbose_name_plural = _("申报指南")
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.title

    def applicant_deadline_passed(self, now=None):
        return self.applicant_deadline is not None and (now or timezone.now()) >= self.applicant_deadline

    def unit_deadline_passed(self, now=None):
        return self.unit_deadline is not None and (now or timezone.now()) >= self.unit_deadline


class Category(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("序号"), max_length=10)
    name = models.CharField(_("领域/类别"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("领域/类别")
        verbose_name_plural = _("领域/类别")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["guide", "code"], name="category_code_unique")]

    def __str__(self):
        return f"（{self.code}）{self.name}"


class Direction(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="directions")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="directions")
    code = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("方向"), max_length=100)
    requirements = models.TextField(_("需求要点"), blank=True)
    content = models.TextField(_("实施内容"), blank=True)
    outcomes = models.TextField(_("应用成效"), blank=True)
    role_split = models.BooleanField(
        _("区分数据要素拥有方与技术服务提供方"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("方向")
        verbose_name_plural = _("方向")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["guide", "code"], name="direction_code_unique")]

    def __str__(self):
        return f"{self.code}. {self.name}"


class Rule(models.Model):
    """An eligibility rule of a guide (or of one direction), evaluated by declarations.eligibility."""

    class Scope(models.TextChoices):
        LEAD = "lead", _("牵头单位")
        EVERY_MEMBER = "every_member", _("联合体全部成员（含牵头单位）")
        ANY_MEMBER = "any_member", _("联合体任一成员（含牵头单位）")

    class Kind(models.TextChoices):
        ONE_PER_APPLICANT = "one_per_applicant", _("每个申报主体限报一个项目")
        DEMO_PERIOD_BAN = "demo_period_ban", _("示范期内项目不得重复申报")
        OWN_IP = "own_ip", _("须拥有自主知识产权")
        DCMM_MIN = "dcmm_min", _("DCMM 等级要求")
        CONSTRUCTION_STATUS = "construction_status", _("建设状态要求")
        STATS_REPORT = "stats_report", _("须完成年度统计报表填报")
        MIN_CASES = "min_cases", _("应用案例数量要求")

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="rules")
    direction = models.ForeignKey(Direction, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="rules", verbose_name=_("仅适用于方向"))
    kind = models.CharField(_("规则类型"), max_length=32, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True,
                              help_text=_("联合体申报时，参数 applies_to 说明条件适用于谁：lead（牵头单位，默认）、"
                                          "every_member（联合体全部成员，含牵头单位）、any_member（任一成员满足即可）。"))
    message = models.CharField(_("不符合时的提示"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        ordering = ["id"]

    def __str__(self):
        return self.message or self.get_kind_display()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        INSTITUTE = "institute", _("科研院所")
        ASSOCIATION = "association", _("行业协会")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    is_industrial = models.BooleanField(_("是否工业企业"), default=False)
    region = models.CharField(_("所在省级地区"), max_length=2, choices=REGIONS)
    division = models.CharField(
        _("所在区县（行政区划代码）"), max_length=6, blank=True,
        help_text=_("GB/T 2260 六位代码；决定贵单位的推荐单位。注册时按统一社会信用代码第 3–8 位识别。"))
    relocated = models.BooleanField(
        _("所在地与信用代码登记地不一致（已迁址）"), default=False,
        help_text=_("注册时申报单位声明：实际所在地与统一社会信用代码所示登记机关所在地不同。推荐单位形式审查时可见。"))
    dcmm_level = models.PositiveSmallIntegerField(_("DCMM 等级"), choices=DCMM_LEVELS, default=0)
    dcmm_certificate = models.FileField(_("DCMM 证书"), upload_to="dcmm/%Y/", blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系人手机"), max_length=11)
    contact_email = models.EmailField(_("联系人邮箱"))
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报单位")
        verbose_name_plural = _("申报单位")
        ordering = ["name"]
        constraints = [
            # The lower DCMM threshold of "industrial enterprises" (2021 direction 9) is for enterprises only.
            models.CheckConstraint(condition=Q(is_industrial=False) | Q(kind="enterprise"),
                                   name="industrial_only_for_enterprises"),
            # The stated province and district agree (the XPCC's divisions lie in Xinjiang, 65).
            models.CheckConstraint(
                condition=Q(division="") | Q(region=Substr("division", 1, 2)) | Q(region=XPCC, division__startswith="65"),
                name="organisation_division_in_region"),
        ]

    def get_region_display(self):
        return region_name(self.region)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.is_industrial and self.kind != self.Kind.ENTERPRISE:
            raise ValidationError({"is_industrial": _("只有单位类型为“企业”的才能勾选“属于工业企业”，请取消勾选或更正单位类型")})

    @property
    def registration_division(self):
        """Where the credit code says the organisation was registered (characters 3–8), if that is a known division."""
        return credit_code_division(self.credit_code)

    @property
    def location_mismatch(self):
        """The stated place is not where the credit code was issued (a Fujian 3501… code stating 天津市)."""
        registered = self.registration_division
        return bool(registered and self.division and not division_within(self.division, registered))

    @property
    def division_display(self):
        return division_name(self.division) or self.get_region_display()

    @property
    def registration_display(self):
        return division_name(self.registration_division)

    def __str__(self):
        return self.name


class Declaration(models.Model):
    """One project declared by one organisation under one guide."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交，待形式审查")
        RETURNED = "returned", _("退回修改")
        PASSED = "passed", _("形式审查通过")
        RECOMMENDED = "recommended", _("已推荐")
        NOT_RECOMMENDED = "not_recommended", _("未获推荐")
        SELECTED = "selected", _("入选")
        NOT_SELECTED = "not_selected", _("未入选")

    class Role(models.TextChoices):
        OWNER = "owner", _("数据要素拥有方")
        PROVIDER = "provider", _("技术服务提供方")

    class Construction(models.TextChoices):
        PLANNED = "planned", _("拟建")
        BUILDING = "building", _("在建")
        BUILT = "built", _("已建")

    guide = models.ForeignKey(Guide, on_delete=models.PROTECT, related_name="declarations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="declarations")
    unit = models.ForeignKey("units.Unit", verbose_name=_("推荐单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="declarations")
    direction = models.ForeignKey(Direction, verbose_name=_("申报方向"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="declarations")
    extra_directions = models.ManyToManyField(Direction, verbose_name=_("其他申报方向"), blank=True,
                                              related_name="+")
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT,
                             db_index=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic lock for concurrent edits")

    project_name = models.CharField(_("项目名称"), max_length=100, blank=True)
    applicant_role = models.CharField(_("申报主体角色"), max_length=10, choices=Role.choices, blank=True)
    construction_status = models.CharField(_("建设状态"), max_length=10, choices=Construction.choices,
                                           blank=True)
    summary = models.TextField(_("项目简介"), blank=True)
    innovation = models.TextField(_("技术先进性与关键创新点"), blank=True)
    ip_items = models.JSONField(_("自主知识产权"), default=list, blank=True)
    cases = models.JSONField(_("应用案例"), default=list, blank=True)
    benefits = models.TextField(_("经济效益和社会效益"), blank=True)
    promotion = models.TextField(_("推广价值"), blank=True)
    open_source = models.TextField(_("开源贡献"), blank=True)
    stats_report_filed = models.BooleanField(_("已在运行监测系统完成年度统计报表填报"), default=False)
    stats_report_year = models.PositiveSmallIntegerField(_("统计报表年度"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, db_index=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    demo_period_end = models.DateField(_("示范期截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "organisation"], name="one_declaration_per_guide"),
        ]
        # The list pages' filters and orders (issue 14): keyset pages read a range of one of these indexes.
        # Non-drafts: the admin's list (by id, or by state / direction then id) and a unit's list (newest first).
        # Ranked: the assignment table and the ranking (by id, or per direction then id).
        indexes = [
            models.Index(fields=["guide", "unit", "state"]),
            models.Index(fields=["guide", "id"], condition=~Q(state="draft"), name="decl_list_idx"),
            models.Index(fields=["guide", "state", "id"], name="decl_list_state_idx"),
            models.Index(fields=["guide", "direction", "id"], condition=~Q(state="draft"), name="decl_list_dir_idx"),
            models.Index(fields=["unit", "guide", "-submitted_at", "-id"], condition=~Q(state="draft"),
                         name="decl_unit_list_idx"),
            models.Index(fields=["guide", "id"], condition=Q(state__in=["recommended", "selected", "not_selected"]),
                         name="decl_ranked_idx"),
            models.Index(fields=["guide", "direction", "id"],
                         condition=Q(state__in=["recommended", "selected", "not_selected"]), name="decl_ranked_dir_idx"),
        ]

    def __str__(self):
        return self.project_name or str(_("（未命名项目）"))

    @property
    def public_state_label(self):
        """The state as applicants and units see it: recommended projects read "under review" until results are published."""
        if self.state == self.State.RECOMMENDED:
            return _("已推荐，专家评审中")
        if self.state == self.State.PASSED and getattr(self, "sent_up", False):
            return _("推荐单位已报送上级推荐单位，待上级审核推荐")
        # A plain dict lookup: get_state_display() rebuilds a hashable copy of the choices on every call, which
        # lists of 50–400 rows paid per row.
        return _STATE_LABELS.get(self.state, self.state)

    @property
    def is_editable(self):
        return self.state in (self.State.DRAFT, self.State.RETURNED)

    @cached_property
    def consortium_members(self):
        """The members of a consortium declaration with their organisations (the page's prefetch when it made one);
        no query at all under a guide that does not admit consortia."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("members")
        if prefetched is not None:
            return list(prefetched)
        if not self.pk or not self.guide.consortium_allowed:
            return []
        return list(self.members.select_related("organisation"))

    def all_directions(self):
        """The main direction first, then the extra ones (2017 allowed two), without duplicates."""
        extra = list(self.extra_directions.all()) if self.pk else []
        result = [self.direction] if self.direction_id else []
        for d in extra:
            if d.pk != self.direction_id and d not in result:
                result.append(d)
        return result

    def deadline_passed(self, now=None):
        return self.guide.applicant_deadline_passed(now)


class DeclarationTally(models.Model):
    """How many of a guide's declarations have one (state, direction, organisation region, unit): kept by the
    services in the same transaction as each change (declarations.tallies), read by the admin dashboard and the
    quota overview instead of a scan of the guide's declarations. Direction and unit are ids, 0 for none."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=Declaration.State.choices)
    direction = models.PositiveIntegerField(default=0)
    region = models.CharField(max_length=2)
    unit = models.PositiveIntegerField(default=0)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guide", "state", "direction", "region", "unit"],
                                               name="declaration_tally_key")]

    def __str__(self):
        return f"{self.guide_id}/{self.state}/{self.direction}/{self.region}/{self.unit}: {self.n}"


class ConsortiumMember(models.Model):
    """A member organisation of a consortium declaration (企业联合体), named by the lead, confirmed by the member.

    The one-project rule counts members: an organisation appears in at most one
    consortium per guide (the partial unique constraint) and never both as a member
    and as an applicant of its own (declarations.consortia checks it with the
    organisation's row locked, so two requests cannot both win).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待成员单位确认")
        CONFIRMED = "confirmed", _("成员单位已确认")
        DECLINED = "declined", _("成员单位已拒绝")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="members")
    guide = models.ForeignKey(Guide, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consortium_memberships",
                                     verbose_name=_("成员单位"))
    role = models.CharField(_("承担的任务与分工"), max_length=200)
    share = models.PositiveSmallIntegerField(_("承担工作量占比（%）"),
                                             validators=[MinValueValidator(1), MaxValueValidator(99)])
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("成员单位意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("联合体成员单位")
        verbose_name_plural = _("联合体成员单位")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "organisation"], condition=~Q(state="declined"),
                                    name="one_consortium_per_member_and_guide"),
            models.UniqueConstraint(fields=["declaration", "organisation"], name="member_once_per_declaration"),
            models.CheckConstraint(condition=Q(state="pending") | Q(decided_at__isnull=False),
                                   name="consortium_member_decided_has_time"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.declaration}"

    @property
    def is_confirmed(self):
        return self.state == self.State.CONFIRMED


_STATE_LABELS = dict(Declaration.State.choices)
