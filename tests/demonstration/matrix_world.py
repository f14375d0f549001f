"""Demonstration-period objects for the permission matrix, on the matrix world's published old guide.

applicant_b's project (recommended by district B) went through a published round 1 (sent up,
sampled, rated by reviewer "assigned", concluded); round 2 is open, its report a draft with one attachment.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demonstration import services, spotcheck
from demonstration.models import Round

REPORT = dict(progress="按计划推进", problems="无", next_steps="继续推广",
              indicators=[{"name": "接入企业数", "declared": "10", "achieved": "12"}])
STARS = {"strength": "4", "innovation": "4", "benefit": "4", "promotion": "4", "overall": "4"}


def build(w):
    p, guide, now = w.p, w.old_guide, timezone.now()

    def open_round(title):
        return services.open_round(guide=guide, title=title, report_deadline=now + timedelta(days=10),
                                   unit_deadline=now + timedelta(days=20), sample_percent=100, actor=p.admin)

    first = open_round("矩阵第一轮自查")
    report = first.reports.get()
    services.save_report(report=report, actor=p.applicant_b, submit=True, **REPORT)
    services.pass_report(report=report, actor=p.district_b_staff)
    services.send_up(round=first, unit=p.district_b, actor=p.district_b_staff)
    Round.objects.filter(pk=first.pk).update(report_deadline=now - timedelta(days=2), unit_deadline=now - timedelta(days=1))
    first.refresh_from_db()
    spotcheck.close_reporting(round=first, actor=p.admin)
    spotcheck.draw_sample(round=first, actor=p.admin, seed=1)
    w.rating = spotcheck.assign_expert(report=report, reviewer=w.reviewer_assigned, actor=p.admin)
    spotcheck.submit_rating(rating=w.rating, actor=w.reviewer_assigned, stars=STARS, comment="良好")
    spotcheck.conclude(report=report, outcome="pass", star_level="4", comment="", actor=p.admin)
    spotcheck.publish_round(round=first, actor=p.admin)
    w.evaluation_round = first

    w.open_evaluation_round = second = open_round("矩阵第二轮自查")
    w.evaluation_report = second.reports.get()
    upload = SimpleUploadedFile("佐证材料.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    w.evaluation_attachment = services.add_attachment(report=w.evaluation_report, upload=upload,
                                                      mime="application/pdf", actor=p.applicant_b)
