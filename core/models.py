from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """One login. Its role decides which workspace it sees; the links say whose data."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申报单位")
        UNIT = "unit", _("推荐单位")
        REVIEWER = "reviewer", _("评审专家")
        ADMIN = "admin", _("主管部门管理员")

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    organisation = models.ForeignKey(
        "declarations.Organisation", verbose_name=_("所属申报单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("所属推荐单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_applicant(self):
        return self.role == self.Role.APPLICANT and self.organisation_id is not None

    @property
    def is_unit_staff(self):
        return self.role == self.Role.UNIT and self.unit_id is not None

    @property
    def is_reviewer(self):
        return self.role == self.Role.REVIEWER

    @property
    def is_ministry(self):
        return self.role == self.Role.ADMIN or self.is_superuser


class AuditRecord(models.Model):
    """Who did what to which object, when and why. Written only by domain services."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    summary = models.CharField(_("说明"), max_length=300, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class Notification(models.Model):
    """An in-site message; e-mail copies are sent by Celery. dedupe_key makes reminders idempotent."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # E-mail bookkeeping: the sweeper re-queues wanted copies that a lost task never sent.
    email_wanted = models.BooleanField(default=False)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"]),
                   models.Index(fields=["email_wanted", "emailed_at"])]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class Export(models.Model):
    """A file built in the background (Celery) for one user, e.g. the audit log as Excel."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(_("类型"), max_length=30)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=120, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # Progress of a running build (0-100) and when the worker last reported any: a long export that keeps
    # reporting is alive; one silent for STALE_AFTER is re-queued by the sweeper (core.exports).
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    active_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导出文件")
        verbose_name_plural = _("导出文件")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.filename or f"{self.kind} #{self.pk}"

    @property
    def is_finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)
