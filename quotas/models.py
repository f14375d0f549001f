from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit


class QuotaRule(models.Model):
    """A guide's default quota for one kind of unit (loaded from the guide's data file)."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="quota_rules")
    unit_kind = models.CharField(_("单位类型"), max_length=20, choices=Unit.Kind.choices)
    quota = models.PositiveSmallIntegerField(_("推荐名额"))
    through_parent = models.BooleanField(
        _("另行推荐：经上级单位报送，不占上级单位名额"), default=False,
        help_text=_("2023 年：国家新型工业化产业示范基地（大数据）可另行推荐不超过 3 个项目，经所在省统一报送，"
                    "省级单位随本单位名单确认，但不占省级名额。"))

    class Meta:
        verbose_name = _("推荐名额规则")
        verbose_name_plural = _("推荐名额规则")
        ordering = ["guide", "unit_kind"]
        constraints = [models.UniqueConstraint(fields=["guide", "unit_kind"], name="quota_rule_unique")]

    def __str__(self):
        return f"{self.get_unit_kind_display()} ≤{self.quota}"


class UnitGuideSetting(models.Model):
    """An admin override for one unit under one guide: its quota and/or its deadline."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="unit_settings")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="guide_settings")
    quota = models.PositiveSmallIntegerField(_("推荐名额（覆盖）"), null=True, blank=True)
    deadline = models.DateTimeField(_("确认截止时间（延期）"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("单位名额与截止时间设置")
        verbose_name_plural = _("单位名额与截止时间设置")
        constraints = [models.UniqueConstraint(fields=["guide", "unit"], name="unit_guide_setting_unique")]

    def __str__(self):
        return f"{self.unit} / {self.guide}"


class RecommendationList(models.Model):
    """A unit's ranked recommendation list (推荐名单) under one guide."""

    class State(models.TextChoices):
        DRAFT = "draft", _("未确认")
        CONFIRMED = "confirmed", _("已确认")

    guide = models.ForeignKey("declarations.Guide", on_delete=models.PROTECT, related_name="recommendation_lists")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="recommendation_lists")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    document_number = models.CharField(_("推荐函文号"), max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="bumped by every change; stale pages are refused")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("推荐名单")
        verbose_name_plural = _("推荐名单")
        ordering = ["guide", "unit"]
        constraints = [models.UniqueConstraint(fields=["guide", "unit"], name="one_list_per_unit_and_guide")]

    def __str__(self):
        return f"{self.unit} · {self.guide}"

    @property
    def is_confirmed(self):
        return self.state == self.State.CONFIRMED


class ListEntry(models.Model):
    """One passed declaration in a unit's list: its rank and whether the unit recommends it."""

    rec_list = models.ForeignKey(RecommendationList, on_delete=models.CASCADE, related_name="entries")
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.PROTECT,
                                    related_name="list_entries")
    rank = models.PositiveIntegerField(_("排序"))
    recommended = models.BooleanField(_("推荐"), default=False)
    # Whether the entry, once recommended, leaves the list's places free: a DCMM exemption or a child's extra
    # quota (quotas.queries.free_place_q), and which of the two (`extra`). Written by quotas.queries.mark_places
    # whenever an entry is created or what decides it changes (an organisation's DCMM level, the guide's
    # threshold, its "through parent" rules), so the quota counter counts entries by index (issue 14).
    place_free = models.BooleanField(_("不占名额"), default=False)
    extra = models.BooleanField(_("另行推荐"), default=False)

    class Meta:
        verbose_name = _("推荐名单条目")
        verbose_name_plural = _("推荐名单条目")
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["rec_list", "declaration"], name="one_entry_per_list")]
        # A ranking page is a range of ranks of one list (issue 14).
        indexes = [models.Index(fields=["rec_list", "rank", "id"], name="entry_rank_idx"),
                   models.Index(fields=["rec_list", "place_free", "extra"], condition=Q(recommended=True),
                                name="entry_places_idx")]

    def __str__(self):
        return f"{self.rank}. {self.declaration}"


class LetterSequence(models.Model):
    """The last letter number (文号序号) a unit used in one calendar year; a new year starts again at 1."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="letter_sequences")
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("推荐函文号序号")
        verbose_name_plural = _("推荐函文号序号")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_letter_sequence_per_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year}: {self.last}"
