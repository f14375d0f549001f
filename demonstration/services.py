"""Self-evaluation rounds and reports: opening a round, the applicant's report, the unit's check.

Each public function is one transaction with one audit record; deadlines are checked here,
whatever the page showed. Spot checks and star ratings are in spotcheck.py.
"""

import hashlib
import os
import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.models import User
from core.notify import notify
from declarations.models import Declaration
from review.models import ReviewSettings

from .models import Demonstration, Report, ReportAttachment, Round

S = Report.State
MAX_ATTACHMENTS = 20
MAX_INDICATORS = 30
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
TEXT_LIMIT = 5000


class EvaluationError(Exception):
    """A request the demonstration rules refuse; the message is for the user."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def demonstrating(guide, today=None):
    """The guide's selected declarations still inside their demonstration period and not revoked."""
    today = today or timezone.localdate()
    return (Declaration.objects.filter(guide=guide, state=Declaration.State.SELECTED, demo_period_end__gte=today)
            .exclude(demonstration__status=Demonstration.Status.REVOKED))


# ---------------------------------------------------------------- ministry: open a round

def open_round(*, guide, title, report_deadline, unit_deadline, sample_percent, actor, request=None, now=None):
    """Open a self-evaluation round for the guide's projects in their demonstration period; tells their applicants."""
    now = now or timezone.now()
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写本轮自查评估的名称，例如“2021年度试点示范项目自查评估”")
    if report_deadline is None:
        errors["report_deadline"] = _("请填写项目提交自查报告的截止时间")
    elif report_deadline <= now:
        errors["report_deadline"] = _("提交截止时间须晚于当前时间")
    if unit_deadline is None:
        errors["unit_deadline"] = _("请填写推荐单位审核报送的截止时间")
    elif report_deadline and unit_deadline <= report_deadline:
        errors["unit_deadline"] = _("推荐单位报送截止时间须晚于项目提交截止时间")
    if sample_percent is None or not 1 <= sample_percent <= 100:
        errors["sample_percent"] = _("抽查比例须为 1 到 100 之间的整数")
    if errors:
        raise EvaluationError(_("请按提示修改后再开启"), errors)
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().filter(guide=guide).first()
        if cfg is None or not cfg.is_published:
            raise EvaluationError(_("“%(guide)s”尚未公布入选名单，不能开启自查评估") % {"guide": guide})
        if Round.objects.filter(guide=guide, title=title).exists():
            raise EvaluationError(_("本指南已有名为“%(t)s”的自查评估"), {"title": _("名称已被使用，请换一个")})
        if Round.objects.filter(guide=guide, published_at__isnull=True).exists():
            raise EvaluationError(_("本指南已有一轮未公布结果的自查评估，请先完成该轮"))
        decls = list(demonstrating(guide, timezone.localdate(now)).select_related("organisation"))
        if not decls:
            raise EvaluationError(_("本指南没有仍在示范期内的入选项目"))
        rnd = Round.objects.create(guide=guide, title=title, report_deadline=report_deadline,
                                   unit_deadline=unit_deadline, sample_percent=sample_percent, created_by=actor)
        Demonstration.objects.bulk_create([Demonstration(declaration=d) for d in decls], ignore_conflicts=True)
        Report.objects.bulk_create([Report(round=rnd, declaration=d) for d in decls])
        record("demonstration.open_round", target=rnd, actor=actor, request=request,
               summary=_("开启自查评估“%(t)s”：%(n)d 个项目，提交截止 %(d)s")
               % {"t": title, "n": len(decls), "d": _fmt(report_deadline)},
               data={"guide": guide.pk, "declarations": [d.pk for d in decls], "sample_percent": sample_percent})
        _notify_opened(rnd, decls)
    return rnd


def _notify_opened(rnd, decls):
    reports = {r.declaration_id: r.pk for r in rnd.reports.all()}
    by_org = {d.organisation_id: d for d in decls}
    for user in User.objects.filter(is_active=True, role=User.Role.APPLICANT, organisation_id__in=by_org):
        decl = by_org[user.organisation_id]
        notify(user, kind="self_evaluation_opened", dedupe_key=f"selfeval:open:{rnd.pk}:{user.pk}",
               title=_("请提交示范项目自查评估报告"),
               body=_("“%(round)s”已开启，请于 %(d)s（北京时间）前提交项目“%(p)s”的自查评估报告。")
               % {"round": rnd.title, "d": _fmt(rnd.report_deadline), "p": decl.project_name},
               url=reverse("demonstration:report_edit", args=[reports[decl.pk]]))


# ---------------------------------------------------------------- applicant: the report

def clean_indicators(rows):
    """Keep rows with any content; each has a name, the declared and the achieved value (strings)."""
    if not isinstance(rows, list):
        raise EvaluationError(_("指标表格式不正确，请刷新页面后重试"))
    clean = []
    for row in rows[:MAX_INDICATORS + 1]:
        if not isinstance(row, dict):
            raise EvaluationError(_("指标表格式不正确，请刷新页面后重试"))
        item = {k: str(row.get(k) or "").strip()[:100] for k in ("name", "declared", "achieved")}
        if any(item.values()):
            clean.append(item)
    if len(clean) > MAX_INDICATORS:
        raise EvaluationError(_("指标最多填写 %(n)d 行") % {"n": MAX_INDICATORS})
    return clean


def submit_problems(report):
    """What is still missing before the report can be submitted: {field: message}."""
    errors = {}
    for field, message in (("progress", _("请填写目标完成情况")), ("problems", _("请填写存在问题（没有请写“无”）")),
                           ("next_steps", _("请填写下一步工作计划"))):
        if not getattr(report, field).strip():
            errors[field] = message
    if not report.indicators:
        errors["indicators"] = _("请至少填写一项指标的申报值和实际完成值")
    for i, row in enumerate(report.indicators, 1):
        missing = [label for key, label in (("name", _("指标名称")), ("declared", _("申报值")),
                                            ("achieved", _("实际完成值"))) if not row.get(key)]
        if missing:
            errors["indicators"] = _("指标表第 %(i)d 行缺少“%(what)s”") % {"i": i, "what": "、".join(missing)}
            break
    return errors


def _lock_editable(report, now, what):
    locked = Report.objects.select_for_update().select_related("round", "declaration").get(pk=report.pk)
    if not locked.is_editable:
        raise EvaluationError(_("自查报告当前状态为“%(s)s”，不能%(what)s") % {"s": locked.get_state_display(), "what": what})
    rnd = locked.round
    # A returned report may be corrected until the unit's deadline; a first submission only until the report deadline.
    deadline = rnd.unit_deadline if locked.state == S.RETURNED else rnd.report_deadline
    if now >= deadline or rnd.closed_at:
        raise EvaluationError(_("自查报告已于 %(d)s 截止，不能%(what)s") % {"d": _fmt(deadline), "what": what})
    return locked


def save_report(*, report, actor, progress, indicators, problems, next_steps, submit=False, request=None, now=None):
    """Save the applicant's report (a draft stays intact when submission is refused); with submit, send it to the unit."""
    now = now or timezone.now()
    values = {"progress": progress, "problems": problems, "next_steps": next_steps}
    errors = {k: _("不能超过 %(n)d 字") % {"n": TEXT_LIMIT} for k, v in values.items() if len(v or "") > TEXT_LIMIT}
    if errors:
        raise EvaluationError(_("请按提示修改"), errors)
    rows = clean_indicators(indicators)
    with transaction.atomic():
        locked = _lock_editable(report, now, _("提交") if submit else _("保存"))
        for k, v in values.items():
            setattr(locked, k, (v or "").strip())
        locked.indicators = rows
        locked.save()
        if submit:
            problems = submit_problems(locked)
            if problems:
                # The draft is saved and committed; only the submission is refused.
                record("demonstration.save_report", target=locked, actor=actor, request=request,
                       summary=_("保存自查报告草稿"))
                result = EvaluationError(_("自查报告尚不完整，请按提示补充后再提交（已保存草稿）"), problems)
            else:
                locked.state, locked.submitted_at, locked.return_reason = S.SUBMITTED, now, ""
                locked.save()
                record("demonstration.submit_report", target=locked, actor=actor, request=request,
                       summary=_("提交自查报告"))
                result = None
        else:
            record("demonstration.save_report", target=locked, actor=actor, request=request, summary=_("保存自查报告草稿"))
            result = None
    if result is not None:
        raise result
    report.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return report


def add_attachment(*, report, upload, mime, label="", actor, request=None, now=None):
    """Store an upload already checked by content (declarations.validators.check_upload) under a random name."""
    now = now or timezone.now()
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        locked = _lock_editable(report, now, _("上传附件"))
        if locked.attachments.count() >= MAX_ATTACHMENTS:
            raise EvaluationError(_("每份自查报告最多上传 %(n)d 个附件") % {"n": MAX_ATTACHMENTS})
        att = ReportAttachment(report=locked, original_name=os.path.basename(upload.name)[:200], label=label[:100],
                               size=upload.size, content_type=mime, sha256=digest.hexdigest())
        att.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[mime]}", upload, save=False)
        try:
            att.save()
            record("demonstration.upload", target=locked, actor=actor, request=request,
                   summary=_("上传自查报告附件“%(name)s”") % {"name": att.original_name},
                   data={"attachment": att.pk, "sha256": att.sha256})
        except Exception:
            att.file.delete(save=False)
            raise
    return att


def remove_attachment(*, report, attachment, actor, request=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable(report, now, _("删除附件"))
        stored = attachment.file.name
        ReportAttachment.objects.filter(pk=attachment.pk, report=locked).delete()
        record("demonstration.delete_attachment", target=locked, actor=actor, request=request,
               summary=_("删除自查报告附件“%(name)s”") % {"name": attachment.original_name})
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored))


# ---------------------------------------------------------------- recommending unit: check and send up

def _unit_lock(report, actor, now):
    locked = Report.objects.select_for_update().select_related("round", "declaration").get(pk=report.pk)
    if not (actor.is_unit_staff and locked.declaration.unit_id == actor.unit_id):
        raise EvaluationError(_("只有该项目的推荐单位可以审核其自查报告"))
    if locked.round.unit_deadline_passed(now) or locked.round.closed_at:
        raise EvaluationError(_("推荐单位审核报送已于 %(d)s 截止") % {"d": _fmt(locked.round.unit_deadline)})
    if locked.state != S.SUBMITTED:
        raise EvaluationError(_("自查报告当前状态为“%(s)s”，不能审核") % {"s": locked.get_state_display()})
    return locked


def pass_report(*, report, actor, request=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        locked = _unit_lock(report, actor, now)
        locked.state, locked.checked_at = S.PASSED, now
        locked.save()
        record("demonstration.pass_report", target=locked, actor=actor, request=request, summary=_("自查报告审核通过"))
    return locked


def return_report(*, report, actor, reason, request=None, now=None):
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(_("退回时请填写退回理由，项目单位将看到该理由"))
    if len(reason) > 1000:
        raise EvaluationError(_("退回理由不能超过 1000 字"))
    with transaction.atomic():
        locked = _unit_lock(report, actor, now)
        locked.state, locked.return_reason, locked.checked_at = S.RETURNED, reason, now
        locked.save()
        record("demonstration.return_report", target=locked, actor=actor, request=request, reason=reason,
               summary=_("自查报告退回修改"))

        for user in User.objects.filter(is_active=True, organisation_id=locked.declaration.organisation_id):
            notify(user, kind="self_evaluation_returned", title=_("自查报告被退回修改"),
                   body=_("项目“%(p)s”的自查报告被推荐单位退回：%(r)s。请在 %(d)s 前修改后重新提交。")
                   % {"p": locked.declaration.project_name, "r": reason, "d": _fmt(locked.round.unit_deadline)},
                   url=reverse("demonstration:report_edit", args=[locked.pk]))
    return locked


def send_up(*, round, unit, actor, request=None, now=None):
    """报送: every report of the unit's projects that the unit passed goes to the ministry."""
    now = now or timezone.now()
    if not (actor.is_unit_staff and actor.unit_id == unit.pk):
        raise EvaluationError(_("只能报送本单位的自查报告"))
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        if rnd.unit_deadline_passed(now) or rnd.closed_at:
            raise EvaluationError(_("推荐单位审核报送已于 %(d)s 截止") % {"d": _fmt(rnd.unit_deadline)})
        ids = list(Report.objects.filter(round=rnd, declaration__unit=unit, state=S.PASSED).values_list("pk", flat=True))
        if not ids:
            raise EvaluationError(_("没有审核通过、待报送的自查报告"))
        Report.objects.filter(pk__in=ids).update(state=S.SENT_UP, sent_up_at=now)
        record("demonstration.send_up", target=rnd, actor=actor, request=request,
               summary=_("%(unit)s 报送自查报告 %(n)d 份") % {"unit": unit.name, "n": len(ids)},
               data={"unit": unit.pk, "reports": ids})
    return len(ids)
