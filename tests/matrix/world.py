"""One small year in which every role has something to see, for the permission matrix.

applicant_a's declaration went to district A, passed its formal check, was sent
up in district A's confirmed list to the city and recommended; reviewer
"assigned" reviews it, reviewer "conflicted" works for applicant_a's company,
reviewer "unassigned" has nothing. applicant_b's declaration waits at district B.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from declarations.models import Attachment, ConsortiumMember
from declarations.services import transition
from documents.issuing import request_application_form, request_forms_zip, request_recommendation_letter
from documents.models import Document
from documents.rendering import render_document
from quotas.formal_check import pass_check
from quotas.lists import get_list
from quotas.recommendation import confirm_recommendations, set_recommended
from review.assignment import add_reviewer
from review.models import Panel, ReviewerProfile
from review.scoring import submit_review
from review.selection import open_public_notice, publish_results, select_projects
from review.setup import ensure_default_sheet, settings_for, sheet_for
from tests.factories import complete_declaration, make_guide, make_user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

ROLES = ["anon", "applicant_a", "applicant_b", "district_a", "district_b", "city",
         "reviewer_assigned", "reviewer_conflicted", "reviewer_unassigned", "admin"]
# Signed in with the password of an enrolled account of that role, second factor not given (2FA enforced).
HALF_ROLES = {"admin_half": "admin", "district_a_half": "district_a", "reviewer_assigned_half": "reviewer_assigned"}


def seal_png():
    from io import BytesIO

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((10, 10, 190, 190), outline=(220, 0, 0, 255), width=8)
    buf = BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class World:
    def __init__(self, p):
        self.p = p
        self.guide = guide = p.guide
        admin = p.admin
        self.decl_a = complete_declaration(guide, p.org_a, p.district_a)
        self.decl_b = complete_declaration(guide, p.org_b, p.district_b, direction_code="5")
        for d in (self.decl_a, self.decl_b):
            transition(d, "submitted", actor=None, submitted_at=timezone.now())
        p.org_a.dcmm_certificate.save("dcmm.pdf", ContentFile(PDF), save=True)
        guide.notice_file.save("notice.pdf", ContentFile(PDF), save=False)
        guide.template_file.save("template.pdf", ContentFile(PDF), save=False)
        guide.notice_name, guide.template_name = "通知.pdf", "申报书模板.pdf"
        guide.save()
        p.district_a.seal.save("seal.png", ContentFile(seal_png()), save=True)
        self.attachment = Attachment(declaration=self.decl_a, original_name="甲公司营业执照.pdf", size=len(PDF),
                                     content_type="application/pdf", sha256="0" * 64,
                                     kind=guide.attachment_kinds.get(code="project_material"))  # shown when blind
        self.attachment.file.save("matrix.pdf", ContentFile(PDF), save=True)
        pass_check(declaration=self.decl_a, actor=p.district_a_staff)
        self.list_a = get_list(unit=p.district_a, guide=guide)
        set_recommended(rec_list=self.list_a, declaration_id=self.decl_a.pk, recommended=True,
                        actor=p.district_a_staff)
        self.list_a = confirm_recommendations(rec_list=self.list_a, actor=p.district_a_staff)
        self.list_b = get_list(unit=p.district_b, guide=guide)
        self.city_list = get_list(unit=p.city, guide=guide)
        transition(self.decl_a, "recommended", actor=p.city_staff)
        self.decl_a.refresh_from_db()

        ensure_default_sheet(guide)
        settings_for(guide)
        direction = self.decl_a.direction
        self.reviewer_assigned = self._reviewer("rev_a", "北京大学", [direction])
        self.reviewer_conflicted = self._reviewer("rev_c", p.org_a.name, [direction])
        self.reviewer_unassigned = self._reviewer("rev_u", "清华大学", [direction])
        self.panel = panel = Panel.objects.create(guide=guide, name="矩阵评审组")
        panel.directions.set([direction])
        panel.reviewers.set([self.reviewer_assigned, self.reviewer_conflicted, self.reviewer_unassigned])
        self.assignment = add_reviewer(declaration=self.decl_a, reviewer=self.reviewer_assigned, actor=admin)

        request_application_form(self.decl_a.pk)
        request_recommendation_letter(self.list_a.pk)
        request_forms_zip(self.list_a.pk)
        self.form_doc = Document.objects.filter(kind="application_form").order_by("-id").first()
        self.letter_doc = Document.objects.filter(kind="recommendation_letter").order_by("-id").first()
        self.zip_doc = Document.objects.filter(kind="forms_zip").order_by("-id").first()
        for doc in (self.form_doc, self.letter_doc, self.zip_doc):
            render_document(doc.pk)  # tests do not run on-commit hooks; render as the worker would
        self.scan = self._stamped_scan(self.decl_a, self.form_doc)

        self.old_guide = make_guide(2021, title="已公布的旧指南")
        old = complete_declaration(self.old_guide, p.org_b, p.district_b, direction_code="4",
                                   construction_status="built")
        transition(old, "submitted", actor=None, submitted_at=timezone.now())
        for state in ("passed", "recommended"):
            transition(old, state, actor=None)
        # Last year's reviewer scored it (a project needs a review to be selected).
        old_reviewer = self._reviewer("rev_old", "复旦大学", [])
        scored = add_reviewer(declaration=old, reviewer=old_reviewer, actor=admin)
        submit_review(assignment=scored, actor=old_reviewer, comment="项目基础扎实，建议入选。",
                      scores={f"score_{c.pk}": "80" for c in sheet_for(old).criteria.all()})
        select_projects(guide=self.old_guide, declaration_ids=[old.pk], actor=admin)
        today = timezone.localdate()
        open_public_notice(guide=self.old_guide, start=today - timedelta(days=20), end=today - timedelta(days=3),
                           actor=admin, now=timezone.now() - timedelta(days=20))
        publish_results(guide=self.old_guide, actor=admin)

        from core.exports import build_export, start_audit_export

        self.export = start_audit_export(user=admin, query="", request=None)
        build_export(self.export.pk)  # as the worker would after commit
        from review.models import AssignmentRun

        self.assignment_run = AssignmentRun.objects.create(guide=self.guide, started_by=admin,
                                                           state=AssignmentRun.State.DONE)

        criteria = list(sheet_for(self.decl_a).criteria.all())
        submit_review(assignment=self.assignment, actor=self.reviewer_assigned, comment="项目技术先进，应用成效明显，建议支持。",
                      scores={f"score_{c.pk}": str(c.max_points) for c in criteria})
        self.review = self.assignment.review
        from review.models import ConflictDeclaration

        self.conflict_declaration = ConflictDeclaration.objects.create(
            profile=self.reviewer_unassigned.reviewer_profile, text="某科技有限公司")
        from tests.demonstration.matrix_world import build as build_demonstration

        build_demonstration(self)
        from tests.factories import make_unit
        from units.models import GroupMembership, Unit

        # A central SOE group none of the roles works for, asked by applicant_b to confirm its membership.
        self.group = make_unit("中国电子信息产业集团有限公司（矩阵）", Unit.Kind.SOE, "")
        self.membership = GroupMembership.objects.create(organisation=p.org_b, group=self.group, note="矩阵测试成员")
        # applicant_b named as a consortium member of applicant_a's declaration (written directly: the matrix
        # asks who may reach the pages, not whether the guide admits consortia).
        self.consortium_member = ConsortiumMember.objects.create(
            declaration=self.decl_a, guide=self.decl_a.guide, organisation=p.org_b, role="矩阵测试分工", share=10)
        self.users = {
            "anon": None, "applicant_a": p.applicant_a, "applicant_b": p.applicant_b,
            "district_a": p.district_a_staff, "district_b": p.district_b_staff, "city": p.city_staff,
            "reviewer_assigned": self.reviewer_assigned, "reviewer_conflicted": self.reviewer_conflicted,
            "reviewer_unassigned": self.reviewer_unassigned, "admin": admin,
        }

    @staticmethod
    def _stamped_scan(decl, form_doc):
        from django.contrib.contenttypes.models import ContentType

        from documents.models import StampedScan

        return StampedScan.objects.create(
            kind="application_form", target_type=ContentType.objects.get_for_model(decl), target_id=decl.pk,
            file=ContentFile(b"%PDF-1.4 stamped scan", name="scan.pdf"), original_name="scan.pdf", size=21,
            sha256="0" * 64, outcome="current", document=form_doc)

    def _reviewer(self, username, employer, directions):
        user = make_user("reviewer", username, full_name=username)
        profile = ReviewerProfile.objects.create(user=user, name=username, employer=employer, region="11")
        profile.expertise.set(directions)
        return user
