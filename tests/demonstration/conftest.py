"""A guide whose results are published, with selected projects in three directions, and helpers to run a round."""

from datetime import timedelta

import pytest
from django.utils import timezone

from declarations.services import transition
from demonstration import services, spotcheck
from review.selection import open_public_notice, publish_results, select_projects
from tests.factories import complete_declaration, make_guide, make_org, make_user
from tests.review.conftest import make_reviewer

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

STARS_POST = {"strength": "4", "innovation": "5", "benefit": "3", "promotion": "4", "overall": "4"}

REPORT = dict(progress="已完成平台二期建设，接入企业 120 家。", problems="数据标准尚不统一。", next_steps="推广至全市。",
              indicators=[{"name": "接入企业数", "declared": "100", "achieved": "120"}])


def recommend(decl):
    transition(decl, "submitted", actor=None, submitted_at=timezone.now())
    for state in ("passed", "recommended"):
        transition(decl, state, actor=None)
    return decl


class Selected:
    """Eight selected projects: three in direction 4, three in 5, two in 6; A's at district A, B's at district B."""

    def __init__(self, p):
        self.p = p
        self.guide = guide = make_guide(2022, title="已公布入选名单的指南")
        self.decl_a = recommend(complete_declaration(guide, p.org_a, p.district_a, project_name="甲公司工业数据平台"))
        self.decl_b = recommend(complete_declaration(guide, p.org_b, p.district_b, project_name="乙公司数据服务平台"))
        self.others = []
        for i, code in enumerate(["4", "5", "5", "5", "6", "6"]):
            org = make_org(f"示范企业{i}")
            make_user("applicant", f"demo_app{i}", organisation=org, email=f"app{i}@example.com")
            self.others.append(recommend(complete_declaration(guide, org, p.district_a, direction_code=code,
                                                              project_name=f"示范项目{i}")))
        self.decls = [self.decl_a, self.decl_b, *self.others]
        from tests.review.conftest import reviewed

        reviewed(self.decls, p.admin)  # a project needs a submitted review to be selected
        select_projects(guide=guide, declaration_ids=[d.pk for d in self.decls], actor=p.admin)
        today = timezone.localdate()
        open_public_notice(guide=guide, start=today - timedelta(days=21), end=today - timedelta(days=3), actor=p.admin,
                           now=timezone.now() - timedelta(days=21))  # opened on its first day, since ended
        publish_results(guide=guide, actor=p.admin)
        for d in self.decls:
            d.refresh_from_db()

    def open_round(self, **kw):
        now = timezone.now()
        values = dict(guide=self.guide, title="2022年度示范项目自查评估", report_deadline=now + timedelta(days=10),
                      unit_deadline=now + timedelta(days=20), sample_percent=30, actor=self.p.admin)
        values.update(kw)
        return services.open_round(**values)

    def report_of(self, rnd, decl):
        return rnd.reports.get(declaration=decl)

    def submit(self, report, actor):
        return services.save_report(report=report, actor=actor, submit=True, **REPORT)

    def send_up_all(self, rnd, skip=()):
        """Every report except those of `skip` submitted, passed and sent up by its unit."""
        p = self.p
        staff = {p.district_a.pk: p.district_a_staff, p.district_b.pk: p.district_b_staff}
        units = set()
        for report in rnd.reports.select_related("declaration"):
            if report.declaration in skip:
                continue
            owner = report.declaration.organisation.users.first()
            self.submit(report, owner)
            services.pass_report(report=report, actor=staff[report.declaration.unit_id])
            units.add(report.declaration.unit_id)
        for unit_id in units:
            services.send_up(round=rnd, unit=staff[unit_id].unit, actor=staff[unit_id])

    def after_deadline(self, rnd):
        """Move the round's deadlines into the past (time passes)."""
        now = timezone.now()
        type(rnd).objects.filter(pk=rnd.pk).update(report_deadline=now - timedelta(days=2),
                                                   unit_deadline=now - timedelta(days=1))
        rnd.refresh_from_db()
        return rnd

    def sampled_round(self, seed=7):
        rnd = self.open_round()
        self.send_up_all(rnd)
        self.after_deadline(rnd)
        spotcheck.close_reporting(round=rnd, actor=self.p.admin)
        spotcheck.draw_sample(round=rnd, actor=self.p.admin, seed=seed)
        rnd.refresh_from_db()
        return rnd


@pytest.fixture
def sel(personas):
    return Selected(personas)


@pytest.fixture
def expert(db):
    return make_reviewer("star_expert", name="周专家", employer="北京大学", region="11")


@pytest.fixture
def conflicted_expert(personas):
    return make_reviewer("star_conflicted", name="吴专家", employer=personas.org_a.name, region="11")
