"""Uploaded files: the attachment kinds a guide asks for and the files applicants upload.

Kept apart from the declaration models so each module stays readable; the models are
re-exported by `declarations.models`, and relations are named by string, so this module
imports no other model module.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

UPLOAD_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


def default_allowed_types():
    return list(UPLOAD_TYPES)


class AttachmentKind(models.Model):
    """A kind of attachment a guide asks for: the one place attachment kinds live.

    Whether it is required, which file types it takes and whether a blind reviewer
    may see it are guide data, loaded from the guide file and copied with the guide.
    Kinds that identify the applicant by their nature (a business licence, a
    certificate) are not shown in blind review; a new kind is hidden until the
    ministry says otherwise, so forgetting the flag cannot leak an identity.
    """

    guide = models.ForeignKey("declarations.Guide", on_delete=models.CASCADE, related_name="attachment_kinds")
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("附件类型"), max_length=60)
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必须上传"), default=False)
    shown_in_blind_review = models.BooleanField(
        _("匿名评审时向专家展示"), default=False,
        help_text=_("营业执照、各类证书等本身即可识别申报单位的材料不应展示。"))
    allowed_types = models.JSONField(_("允许的文件类型"), default=default_allowed_types,
                                     help_text=_("MIME 类型列表：application/pdf、image/jpeg、image/png。"))
    directions = models.ManyToManyField(
        "declarations.Direction", verbose_name=_("仅适用于方向"), blank=True, related_name="attachment_kinds",
        help_text=_("不选表示适用于全部方向。"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("附件类型")
        verbose_name_plural = _("附件类型")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["guide", "code"], name="attachment_kind_code_unique")]

    def __str__(self):
        return self.name

    def allowed_types_display(self):
        return "/".join(UPLOAD_TYPES.get(t, t) for t in self.allowed_types or [])

    def applies_to(self, directions):
        """Whether the kind is asked of a declaration with these directions (no directions listed: all of them)."""
        own = {d.pk for d in self.directions.all()}
        return not own or any(d.pk in own for d in directions)


class UploadedFile(models.Model):
    """What every uploaded file keeps: the name it came with, a label, its checked size, type and SHA-256.

    Declarations' attachments and demonstration's report attachments both build on it; each declares its own
    `file` (its own upload folder) and the record it belongs to.
    """

    original_name = models.CharField(_("文件名"), max_length=200)
    label = models.CharField(_("材料说明"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Attachment(UploadedFile):
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="attachments")
    kind = models.ForeignKey(AttachmentKind, verbose_name=_("附件类型"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")

    class Meta(UploadedFile.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
