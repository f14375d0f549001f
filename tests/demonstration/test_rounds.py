"""Opening a round, the applicant's report, the recommending unit's check and send-up."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditRecord, Notification
from demonstration import services
from demonstration.models import Demonstration, Report
from tests.demonstration.conftest import PDF, REPORT
from tests.factories import make_guide

S = Report.State


class TestOpenRound:
    def test_it_opens_a_report_for_every_selected_project_and_tells_the_applicants(self, sel):
        rnd = sel.open_round()
        assert sorted(rnd.reports.values_list("declaration_id", flat=True)) == sorted(d.pk for d in sel.decls)
        assert Demonstration.objects.filter(declaration__in=sel.decls, status="active").count() == len(sel.decls)
        assert Notification.objects.filter(user=sel.p.applicant_a, kind="self_evaluation_opened").count() == 1
        assert AuditRecord.objects.filter(action="demonstration.open_round").count() == 1

    @pytest.mark.parametrize("change, field", [
        ({"title": "  "}, "title"),
        ({"report_deadline": timezone.now() - timedelta(hours=1)}, "report_deadline"),
        ({"unit_deadline": timezone.now() + timedelta(days=5)}, "unit_deadline"),  # before the report deadline
        ({"sample_percent": 0}, "sample_percent"),
        ({"sample_percent": 101}, "sample_percent"),
    ])
    def test_it_refuses_bad_values_with_the_field_to_fix(self, sel, change, field):
        with pytest.raises(services.EvaluationError) as e:
            sel.open_round(**change)
        assert field in e.value.errors
        assert not sel.guide.evaluation_rounds.exists()

    def test_it_refuses_a_guide_whose_results_are_not_published(self, sel):
        unpublished = make_guide(2022, title="未公布结果的指南")
        with pytest.raises(services.EvaluationError, match="尚未公布入选名单"):
            sel.open_round(guide=unpublished)

    def test_one_unpublished_round_per_guide(self, sel):
        sel.open_round()
        with pytest.raises(services.EvaluationError, match="未公布结果"):
            sel.open_round(title="第二轮")


class TestReport:
    def test_an_incomplete_report_is_refused_but_its_draft_is_kept(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        with pytest.raises(services.EvaluationError) as e:
            services.save_report(report=report, actor=sel.p.applicant_a, progress="进展良好", problems="",
                                 next_steps="", indicators=[{"name": "接入企业数", "declared": "100"}], submit=True)
        assert {"problems", "next_steps", "indicators"} <= set(e.value.errors)
        report.refresh_from_db()
        assert report.state == S.DRAFT and report.progress == "进展良好"
        assert report.indicators == [{"name": "接入企业数", "declared": "100", "achieved": ""}]

    def test_it_submits_before_the_deadline_only(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        late = rnd.report_deadline + timedelta(minutes=1)
        with pytest.raises(services.EvaluationError, match="截止"):
            services.save_report(report=report, actor=sel.p.applicant_a, submit=True, now=late, **REPORT)
        assert Report.objects.get(pk=report.pk).state == S.DRAFT
        sel.submit(report, sel.p.applicant_a)
        assert Report.objects.get(pk=report.pk).state == S.SUBMITTED

    def test_attachments_are_checked_by_content(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        from demonstration.forms import AttachmentForm

        fake = AttachmentForm({}, {"file": SimpleUploadedFile("证明.pdf", b"not a pdf at all", "application/pdf")})
        assert not fake.is_valid() and "内容不是" in str(fake.errors)
        good = AttachmentForm({"label": "验收报告"}, {"file": SimpleUploadedFile("验收报告.pdf", PDF, "application/pdf")})
        assert good.is_valid()
        att = services.add_attachment(report=report, upload=good.cleaned_data["file"], mime=good.mime,
                                      actor=sel.p.applicant_a)
        assert att.original_name == "验收报告.pdf" and len(att.sha256) == 64


class TestUnitCheck:
    def test_pass_then_send_up(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        sel.submit(report, sel.p.applicant_a)
        services.pass_report(report=report, actor=sel.p.district_a_staff)
        assert services.send_up(round=rnd, unit=sel.p.district_a, actor=sel.p.district_a_staff) == 1
        report.refresh_from_db()
        assert report.state == S.SENT_UP and report.sent_up_at is not None

    def test_only_the_projects_unit_checks_it(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        sel.submit(report, sel.p.applicant_a)
        for other in (sel.p.district_b_staff, sel.p.city_staff):
            with pytest.raises(services.EvaluationError, match="推荐单位"):
                services.pass_report(report=report, actor=other)
        assert Report.objects.get(pk=report.pk).state == S.SUBMITTED

    def test_return_needs_a_reason_and_the_applicant_can_resubmit(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        sel.submit(report, sel.p.applicant_a)
        with pytest.raises(services.EvaluationError, match="退回理由"):
            services.return_report(report=report, actor=sel.p.district_a_staff, reason=" ")
        services.return_report(report=report, actor=sel.p.district_a_staff, reason="请补充指标佐证材料")
        report.refresh_from_db()
        assert report.state == S.RETURNED
        assert Notification.objects.filter(user=sel.p.applicant_a, kind="self_evaluation_returned").exists()
        # a returned report may be corrected after the report deadline, until the unit's deadline
        services.save_report(report=report, actor=sel.p.applicant_a, submit=True,
                             now=rnd.report_deadline + timedelta(days=1), **REPORT)
        assert Report.objects.get(pk=report.pk).state == S.SUBMITTED

    def test_the_unit_deadline_is_enforced(self, sel):
        rnd = sel.open_round()
        report = sel.report_of(rnd, sel.decl_a)
        sel.submit(report, sel.p.applicant_a)
        late = rnd.unit_deadline + timedelta(seconds=1)
        with pytest.raises(services.EvaluationError, match="截止"):
            services.pass_report(report=report, actor=sel.p.district_a_staff, now=late)
        services.pass_report(report=report, actor=sel.p.district_a_staff)
        with pytest.raises(services.EvaluationError, match="截止"):
            services.send_up(round=rnd, unit=sel.p.district_a, actor=sel.p.district_a_staff, now=late)

    def test_send_up_with_nothing_passed_is_refused(self, sel):
        rnd = sel.open_round()
        with pytest.raises(services.EvaluationError, match="没有审核通过"):
            services.send_up(round=rnd, unit=sel.p.district_b, actor=sel.p.district_b_staff)
