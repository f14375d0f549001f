"""The two-year demonstration period after selection: self-evaluation rounds, spot checks, star ratings.

Rows here are written by demonstration/services.py only. This room reads the review's
selections (selected declarations of a guide whose results are published) and sits above it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.models import UploadedFile

STARS = [(i, "★" * i) for i in range(1, 6)]
# The four dimensions the 2021 guide names; a rating scores each from 1 to 5 stars.
DIMENSIONS = [
    ("strength", _("项目综合实力")),
    ("innovation", _("关键技术创新")),
    ("benefit", _("经济社会效益")),
    ("promotion", _("产业化推广价值")),
]


class Demonstration(models.Model):
    """The demonstration status of one selected project. Lost on a failed spot check or a missing report;
    declarations.eligibility reads it, so the re-declaration ban ends with the status."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("示范期内")
        REVOKED = "revoked", _("已取消示范资格")

    declaration = models.OneToOneField("declarations.Declaration", on_delete=models.CASCADE,
                                       related_name="demonstration")
    status = models.CharField(_("示范状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    revoked_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("示范项目状态")
        verbose_name_plural = _("示范项目状态")

    def __str__(self):
        return f"{self.declaration_id} {self.status}"


class Round(models.Model):
    """自查评估轮次: one self-evaluation of a guide's selected projects, with its deadlines and spot check."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.PROTECT, related_name="evaluation_rounds")
    title = models.CharField(_("名称"), max_length=100)
    report_deadline = models.DateTimeField(_("项目提交自查报告截止时间"))
    unit_deadline = models.DateTimeField(_("推荐单位审核报送截止时间"))
    sample_percent = models.PositiveSmallIntegerField(
        _("抽查比例（%）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("按方向分层抽样，每个方向至少抽取 1 个项目。"))
    seed = models.BigIntegerField(_("抽样随机种子"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("抽样时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止处理时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("自查评估轮次")
        verbose_name_plural = _("自查评估轮次")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["guide", "title"], name="round_title_unique")]

    def __str__(self):
        return self.title

    def report_deadline_passed(self, now=None):
        return (now or timezone.now()) >= self.report_deadline

    def unit_deadline_passed(self, now=None):
        return (now or timezone.now()) >= self.unit_deadline


class Report(models.Model):
    """自查报告 of one selected project in one round; checked and sent up by the project's recommending unit."""

    class State(models.TextChoices):
        DRAFT = "draft", _("未提交")
        SUBMITTED = "submitted", _("已提交，待推荐单位审核")
        RETURNED = "returned", _("退回修改")
        PASSED = "passed", _("推荐单位审核通过，待报送")
        SENT_UP = "sent_up", _("已报送主管部门")

    class Outcome(models.TextChoices):
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reports")
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.PROTECT,
                                    related_name="evaluation_reports")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    progress = models.TextField(_("目标完成情况"), blank=True,
                                help_text=_("对照申报书中的建设目标，说明项目进展和完成情况。"))
    indicators = models.JSONField(_("指标完成情况"), default=list, blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步工作计划"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    sent_up_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    sampled = models.BooleanField(_("抽中抽查"), default=False)
    outcome = models.CharField(_("抽查结论"), max_length=5, choices=Outcome.choices, blank=True)
    star_level = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True, choices=STARS)
    conclusion = models.TextField(_("结论意见"), blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("自查报告")
        verbose_name_plural = _("自查报告")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "declaration"], name="one_report_per_round")]
        indexes = [models.Index(fields=["round", "state"])]

    def __str__(self):
        return f"{self.round} · {self.declaration}"

    @property
    def is_editable(self):
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class ReportAttachment(UploadedFile):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="evaluation/%Y/%m/")

    class Meta(UploadedFile.Meta):
        verbose_name = _("自查报告附件")
        verbose_name_plural = _("自查报告附件")


def _stars(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(5)])


class Rating(models.Model):
    """One expert asked to star-rate one sampled report; the stars are filled in on submission."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="ratings")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="star_ratings")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    strength = _stars(_("项目综合实力"))
    innovation = _stars(_("关键技术创新"))
    benefit = _stars(_("经济社会效益"))
    promotion = _stars(_("产业化推广价值"))
    overall = _stars(_("总体星级"))
    comment = models.TextField(_("评价意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("星级评价")
        verbose_name_plural = _("星级评价")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "reviewer"], name="one_rating_per_expert"),
            models.CheckConstraint(condition=models.Q(overall__isnull=True) | models.Q(overall__gte=1, overall__lte=5),
                                   name="rating_overall_1_5"),
        ]

    def __str__(self):
        return f"{self.reviewer} → {self.report_id}"

    def dimension_values(self):
        return [(label, getattr(self, key)) for key, label in DIMENSIONS]
