"""Ministry review: scoring sheets, reviewers, panels, assignments, reviews, selection.

Rows here are written by the review services only (setup, assignment, scoring, selection, reviewers);
views and forms call them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.regions import REGIONS, region_name


class ReviewSettings(models.Model):
    """Per-guide switches of the review, and the dates of its public notice and publication."""

    guide = models.OneToOneField("declarations.Guide", on_delete=models.CASCADE, related_name="review_settings")
    blind = models.BooleanField(_("匿名评审"), default=True,
                                help_text=_("开启后，专家看不到申报单位名称、信用代码、推荐单位和案例客户。"))
    region_conflict = models.BooleanField(_("同地区回避"), default=False,
                                          help_text=_("开启后，专家不评审与其所在地区相同的申报单位的项目。"))
    reviewers_per_declaration = models.PositiveSmallIntegerField(
        _("每个项目评审专家数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)])
    disagreement_threshold = models.DecimalField(
        _("分歧提示阈值（标准差，分）"), max_digits=5, decimal_places=2, default=Decimal("10.00"),
        validators=[MinValueValidator(0)])
    notice_min_working_days = models.PositiveSmallIntegerField(
        _("公示期最少工作日"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("公示期不得短于该工作日数（不含周末和法定节假日，调休上班日计入）。"))
    notice_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束日期"), null=True, blank=True)
    notice_opened_at = models.DateTimeField(_("公示发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("名单公布时间"), null=True, blank=True)
    publication_doc_number = models.CharField(_("公布文号"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("评审设置")
        verbose_name_plural = _("评审设置")

    def __str__(self):
        return str(self.guide)

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def notice_open(self):
        return self.notice_opened_at is not None


class DirectionSetting(models.Model):
    """Per-direction numbers of the review: the optional selection limit."""

    direction = models.OneToOneField("declarations.Direction", on_delete=models.CASCADE,
                                     related_name="review_setting")
    selection_limit = models.PositiveSmallIntegerField(_("入选数量上限"), null=True, blank=True,
                                                       help_text=_("留空表示不限。"))

    class Meta:
        verbose_name = _("方向评审设置")
        verbose_name_plural = _("方向评审设置")

    def __str__(self):
        return str(self.direction)


class ScoringSheet(models.Model):
    """The criteria of a guide (direction empty) or of one direction that overrides the guide's sheet."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="scoring_sheets")
    direction = models.ForeignKey("declarations.Direction", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="scoring_sheets", verbose_name=_("仅适用于方向"))
    name = models.CharField(_("名称"), max_length=100, default=_("评分表"))

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [
            models.UniqueConstraint(fields=["guide", "direction"], name="one_sheet_per_direction"),
            models.UniqueConstraint(fields=["guide"], condition=Q(direction__isnull=True),
                                    name="one_default_sheet_per_guide"),
        ]

    def __str__(self):
        return f"{self.guide} · {self.direction or _('默认')}"

    def weight_total(self):
        """The sum of the criteria's weights, where 1 is 100 % (a usable sheet sums to exactly 1).

        Uses prefetched criteria when the caller prefetched them.
        """
        return sum((c.weight for c in self.criteria.all()), Decimal(0))

    def check_weights(self):
        """What is wrong with the weights, for the user, or "" when they sum to 100%. Forms and checklists share it."""
        if not self.criteria.all():
            return _("评分表“%(name)s”还没有评分项") % {"name": self.name}
        total = self.weight_total()
        if total != Decimal(1):
            return _("评分表“%(name)s”各评分项权重合计为 %(total)s%%，应为 100%%") % {
                "name": self.name, "total": format((total * 100).normalize(), "f")}
        return ""


class Criterion(models.Model):
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=50)
    guidance = models.TextField(_("评分说明"), blank=True)
    max_points = models.DecimalField(_("满分"), max_digits=5, decimal_places=1,
                                     validators=[MinValueValidator(Decimal("0.1"))])
    weight = models.DecimalField(_("权重"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
                                 validators=[MinValueValidator(Decimal("0.01"))])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ReviewerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    name = models.CharField(_("姓名"), max_length=50)
    employer = models.CharField(_("工作单位"), max_length=100)
    region = models.CharField(_("所在地区"), max_length=2, choices=REGIONS, blank=True)
    title = models.CharField(_("职称/职务"), max_length=50, blank=True)
    expertise = models.ManyToManyField("declarations.Direction", blank=True, related_name="experts",
                                       verbose_name=_("擅长方向"))
    conflicts = models.ManyToManyField("declarations.Organisation", blank=True, related_name="conflicted_reviewers",
                                       verbose_name=_("申明回避的单位"))
    is_active = models.BooleanField(_("可参加评审"), default=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["id"]

    def get_region_display(self):
        return region_name(self.region)

    def __str__(self):
        return self.name


class ConflictDeclaration(models.Model):
    """A conflict a reviewer declared on their profile, as typed, until the ministry handles it.

    The reviewer's answer is the same whether or not the text names a known organisation,
    and nothing changes in their queue: the match (`organisation`) is for the ministry,
    which reassigns the affected tasks and then marks the declaration handled.
    """

    profile = models.ForeignKey(ReviewerProfile, on_delete=models.CASCADE, related_name="conflict_declarations")
    text = models.CharField(_("申明回避的单位"), max_length=100)
    organisation = models.ForeignKey("declarations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("匹配到的单位"))
    created_at = models.DateTimeField(_("申明时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("回避申明")
        verbose_name_plural = _("回避申明")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["profile", "handled_at"])]

    def __str__(self):
        return self.text

    @property
    def is_pending(self):
        return self.handled_at is None


class Panel(models.Model):
    """评审组: a group of reviewers scoring the declarations of some directions of one guide."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("评审组名称"), max_length=100)
    directions = models.ManyToManyField("declarations.Direction", related_name="panels", verbose_name=_("方向"))
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="panels",
                                       limit_choices_to={"role": "reviewer"}, verbose_name=_("评审专家"))
    min_reviews = models.PositiveSmallIntegerField(
        _("最少有效评审数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("已提交评分少于该数的项目不参与排名，也不能入选。"))

    class Meta:
        verbose_name = _("评审组")
        verbose_name_plural = _("评审组")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["guide", "name"], name="panel_name_unique")]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """One reviewer asked to score one declaration. Declined rows stay, so the reviewer is not asked again."""

    class State(models.TextChoices):
        ACTIVE = "active", _("评审中")
        DECLINED = "declined", _("已谢绝")

    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    decline_reason = models.TextField(_("谢绝理由"), blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["declaration", "reviewer"], name="one_assignment_per_pair")]
        # A reviewer's queue: keyset pages in id order among their active assignments (issue 14).
        indexes = [models.Index(fields=["reviewer", "state", "id"], name="assignment_queue_idx")]

    def __str__(self):
        return f"{self.reviewer} → {self.declaration_id}"

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE


class Review(models.Model):
    """A reviewer's scores for one assignment. `total` is the weighted total, written on submit."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    comment = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(_("加权总分"), max_digits=7, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审意见")
        verbose_name_plural = _("评审意见")

    def __str__(self):
        return f"{self.assignment} {self.total}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]


class ProjectScore(models.Model):
    """The stored scores of one ranked declaration (recommended, selected or not selected): one row each.

    Written only by review.scores, in the transaction of every change the scores depend on (a review submitted
    or reopened, a declaration entering or leaving the ranked states), so the ranking reads a page of them by
    index instead of recomputing the direction. The sums are what the rounded values come from; the values are
    rounded exactly as review.queries.guide_scores rounds them (the reference). Whether a row is ranked depends
    on its panel's minimum of reviews, which is read with the page.
    """

    declaration = models.OneToOneField("declarations.Declaration", primary_key=True, on_delete=models.CASCADE,
                                       related_name="project_score")
    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="+")
    direction = models.ForeignKey("declarations.Direction", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    n = models.PositiveIntegerField(default=0)  # submitted reviews with a total
    total_sum = models.FloatField(null=True)
    total_max = models.FloatField(null=True)
    total_min = models.FloatField(null=True)
    total_sq = models.FloatField(null=True)  # sum of the squares
    z_sum = models.FloatField(null=True)
    mean = models.FloatField(null=True)
    final = models.FloatField(null=True)  # the trimmed mean (the mean below five reviews)
    std_dev = models.FloatField(null=True)
    z = models.FloatField(null=True)

    class Meta:
        verbose_name = _("项目得分")
        verbose_name_plural = _("项目得分")
        # A ranking page reads one of these ranges: a direction's rows by score (ranked ones) or by id (short of
        # reviews), and counts rows per direction and number of reviews.
        indexes = [
            models.Index(fields=["guide", "direction", "-final", "declaration"], name="projectscore_final_idx"),
            models.Index(fields=["guide", "direction", "-z", "declaration"], name="projectscore_z_idx"),
            models.Index(fields=["guide", "direction", "n", "declaration"], name="projectscore_n_idx"),
        ]


class ReviewerScore(models.Model):
    """A reviewer's submitted totals within one guide (count, sum, sum of squares): their mean and spread, which
    every z-score of their reviews uses. Written by review.scores with the project scores."""

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField(default=0)
    total_sum = models.FloatField(default=0.0)
    total_sq = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("专家评分统计")
        verbose_name_plural = _("专家评分统计")
        constraints = [models.UniqueConstraint(fields=["guide", "reviewer"], name="one_reviewer_score_per_guide")]


class Selection(models.Model):
    """The admin's decision that a recommended declaration is selected; released only by publication."""

    declaration = models.OneToOneField("declarations.Declaration", on_delete=models.CASCADE,
                                       related_name="selection")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The row's place on the public list (the notice, then the published results), numbered by
    # review.selection.number_public_list when the list is fixed and again whenever it changes: the
    # position runs 1…n over the guide (the page's order), the serial 1… within the direction (序号).
    # A page of the list is then a range read; rows not on the list have none.
    guide = models.ForeignKey("declarations.Guide", null=True, blank=True, editable=False,
                              on_delete=models.CASCADE, related_name="+")
    public_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    public_serial = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("拟入选")
        verbose_name_plural = _("拟入选")
        indexes = [models.Index(fields=["guide", "public_position"], name="selection_public_list_idx")]


class AssignmentRun(models.Model):
    """One automatic assignment, run by a worker: its progress, its outcome, and whom it has told.

    The assignments are committed in batches; `done`/`created`/`touched` move with each batch in the
    same transaction, so a run that stops half-way (a failed batch, a killed worker) shows exactly how
    far it got. Running it again continues from there: declarations that have their reviewers are
    skipped, and the one digest per reviewer, sent at the end, counts the tasks of every attempt.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("分配中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("已中断")

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="assignment_runs")
    panel = models.ForeignKey(Panel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("待分配项目"), default=0)
    done = models.PositiveIntegerField(_("已处理项目"), default=0)
    created = models.PositiveIntegerField(_("新增分配"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    # reviewer id (text) -> tasks given by this run, for the one digest notification at the end
    touched = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # the first PROBLEMS_SHOWN, for the page
    problem_count = models.PositiveIntegerField(default=0)
    loads = models.JSONField(default=dict, blank=True)  # reviewer name -> active assignments after the run
    notified = models.PositiveIntegerField(_("已通知专家"), default=0)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    active_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("自动分配任务")
        verbose_name_plural = _("自动分配任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["guide", "state"])]

    def __str__(self):
        return f"{self.guide_id} #{self.pk} {self.state}"

    @property
    def is_finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)
