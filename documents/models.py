from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentQuerySet(models.QuerySet):
    def for_target(self, target, kind=None):
        qs = self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        return qs.filter(kind=kind) if kind else qs

    def current(self):
        return self.filter(superseded_by__isnull=True)


class Document(models.Model):
    """One generated file (PDF or ZIP) of one target object, in one version.

    The content it was rendered from is stored with it, canonical JSON, so its
    fingerprint can always be recomputed and a paper copy checked against it.
    A later version of the same target's document supersedes this one.
    """

    class Kind(models.TextChoices):
        APPLICATION_FORM = "application_form", _("项目申报书")
        RECOMMENDATION_LETTER = "recommendation_letter", _("推荐函")
        FORMS_ZIP = "forms_zip", _("申报书打包下载（ZIP）")
        DOSSIER = "dossier", _("申报材料档案（ZIP）")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RENDERING = "rendering", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")

    number = models.CharField(_("文档编号"), max_length=80, unique=True)
    short_code = models.CharField(_("核验码"), max_length=16, unique=True)
    content = models.JSONField(_("生成内容"), default=dict)
    fingerprint = models.CharField(_("内容指纹（SHA-256）"), max_length=64)
    issued_to = models.CharField(_("出具给"), max_length=200)

    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    # The worker's last sign of life (a progress report): a long ZIP that keeps reporting is not stuck.
    active_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    file = models.FileField(_("文件"), upload_to="documents/", blank=True, max_length=200)
    file_size = models.PositiveBigIntegerField(_("文件大小"), null=True, blank=True)  # a unit's ZIP can pass 2 GB
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64, blank=True)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    superseded_by = models.ForeignKey("self", verbose_name=_("被替代为"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="supersedes")

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("生成文档")
        verbose_name_plural = _("生成文档")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_pending(self):
        return self.state in (self.State.QUEUED, self.State.RENDERING)

    @property
    def is_ready(self):
        return self.state == self.State.READY and bool(self.file)

    @property
    def is_current(self):
        return self.superseded_by_id is None

    @property
    def extension(self):
        return "zip" if self.kind in (self.Kind.FORMS_ZIP, self.Kind.DOSSIER) else "pdf"

    def latest_version(self):
        """Follow the chain of superseding documents to the newest one."""
        doc, seen = self, set()
        while doc.superseded_by_id and doc.pk not in seen:
            seen.add(doc.pk)
            doc = doc.superseded_by
        return doc


class StampedScanQuerySet(models.QuerySet):
    def for_target(self, target, kind=None):
        qs = self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        return qs.filter(kind=kind) if kind else qs

    def of_current_documents(self):
        """Scans linked to a document version nobody has superseded since."""
        return self.filter(document__isnull=False, document__superseded_by__isnull=True)


class StampedScan(models.Model):
    """The scan of a printed, signed and stamped document, uploaded by its applicant or unit.

    A worker reads the QR code on it and links it to the document version it was printed from;
    when no code can be read, the uploader picks the version by hand. Whether the scan is of the
    current version is read from that document at any time (a later version makes it stale).
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("正在识别二维码")
        CURRENT = "current", _("与当前版本一致")
        SUPERSEDED = "superseded", _("是已被替代的旧版本")
        OTHER = "other", _("属于其他申报或名单")
        UNREADABLE = "unreadable", _("未能识别二维码")

    kind = models.CharField(_("文档类型"), max_length=24, choices=Document.Kind.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")

    file = models.FileField(_("扫描件"), upload_to="scans/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("文件大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    outcome = models.CharField(_("识别结果"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING,
                               db_index=True)
    document = models.ForeignKey(Document, verbose_name=_("对应文档"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="scans")
    read_code = models.CharField(_("识别到的核验码"), max_length=200, blank=True)
    linked_by_hand = models.BooleanField(_("人工指定"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("识别时间"), null=True, blank=True)

    objects = StampedScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("盖章扫描件")
        verbose_name_plural = _("盖章扫描件")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_pending(self):
        return self.outcome == self.Outcome.PENDING

    @property
    def is_of_current_version(self):
        return (self.document_id is not None and self.document.superseded_by_id is None
                and self.outcome in (self.Outcome.CURRENT, self.Outcome.SUPERSEDED))
