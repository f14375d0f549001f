"""Closing the reporting phase, the stratified sample, experts and conflicts, stars, conclusions, publication."""

import math
from collections import Counter

import pytest
from django.utils import timezone

from declarations.eligibility import check_eligibility
from demonstration import services, spotcheck
from demonstration.models import Demonstration, Report
from tests.factories import complete_declaration, make_guide

STARS = {"strength": "4", "innovation": "5", "benefit": "3", "promotion": "4", "overall": "4"}


class TestSample:
    def test_the_same_seed_draws_the_same_sample(self):
        strata = {4: [11, 12, 13, 14, 15], 5: [21, 22, 23], 6: [31]}
        assert spotcheck.stratified_sample(strata, 40, 12345) == spotcheck.stratified_sample(dict(strata), 40, 12345)
        draws = {tuple(spotcheck.stratified_sample(strata, 40, seed)) for seed in range(30)}
        assert len(draws) > 1  # the seed matters

    def test_every_direction_is_sampled_in_proportion(self):
        strata = {4: list(range(100, 110)), 5: list(range(200, 203)), 6: [300]}
        chosen = spotcheck.stratified_sample(strata, 30, 99)
        per = Counter(i // 100 for i in chosen)
        assert per == {1: math.ceil(10 * 0.3), 2: 1, 3: 1}

    def test_draw_sample_records_the_seed_and_anyone_can_redraw_it(self, sel):
        rnd = sel.sampled_round(seed=2024)
        assert rnd.seed == 2024 and rnd.sampled_at
        sampled = set(rnd.reports.filter(sampled=True).values_list("pk", flat=True))
        strata = {}
        for pk, direction in rnd.reports.values_list("pk", "declaration__direction_id"):
            strata.setdefault(direction, []).append(pk)
        assert sampled == set(spotcheck.stratified_sample(strata, rnd.sample_percent, 2024))
        # stratified: each of the three directions is represented
        assert rnd.reports.filter(sampled=True).values("declaration__direction").distinct().count() == 3
        with pytest.raises(services.EvaluationError, match="不能重抽"):
            spotcheck.draw_sample(round=rnd, actor=sel.p.admin)

    def test_no_sample_before_the_reporting_phase_is_closed(self, sel):
        rnd = sel.open_round()
        with pytest.raises(services.EvaluationError, match="截止处理"):
            spotcheck.draw_sample(round=rnd, actor=sel.p.admin)
        with pytest.raises(services.EvaluationError, match="之后才能"):
            spotcheck.close_reporting(round=rnd, actor=sel.p.admin)


class TestExperts:
    def test_a_conflicted_expert_cannot_be_assigned(self, sel, conflicted_expert, expert):
        rnd = sel.sampled_round()
        report = sel.report_of(rnd, sel.decl_a)
        Report.objects.filter(pk=report.pk).update(sampled=True)
        with pytest.raises(services.EvaluationError, match="回避|工作单位"):
            spotcheck.assign_expert(report=report, reviewer=conflicted_expert, actor=sel.p.admin)
        assert not report.ratings.exists()
        rating = spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)
        assert rating.reviewer == expert

    def test_a_declared_conflict_counts_too(self, sel, expert):
        rnd = sel.sampled_round()
        report = sel.report_of(rnd, sel.decl_a)
        Report.objects.filter(pk=report.pk).update(sampled=True)
        expert.reviewer_profile.conflicts.add(sel.p.org_a)
        with pytest.raises(services.EvaluationError, match="利益关系"):
            spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)

    def test_only_sampled_reports_get_experts(self, sel, expert):
        rnd = sel.sampled_round()
        report = rnd.reports.filter(sampled=False).first()
        with pytest.raises(services.EvaluationError, match="抽中"):
            spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)


def _rated(sel, expert):
    rnd = sel.sampled_round()
    report = rnd.reports.filter(sampled=True).first()
    rating = spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)
    return rnd, report, rating


class TestStars:
    @pytest.mark.parametrize("bad", [{"strength": "0"}, {"innovation": "6"}, {"benefit": ""}, {"overall": "x"},
                                     {"promotion": "3.5"}])
    def test_each_dimension_and_the_overall_level_is_1_to_5(self, sel, expert, bad):
        _rnd, _report, rating = _rated(sel, expert)
        with pytest.raises(services.EvaluationError) as e:
            spotcheck.submit_rating(rating=rating, actor=expert, stars={**STARS, **bad}, comment="评价")
        assert set(bad) <= set(e.value.errors)
        rating.refresh_from_db()
        assert rating.submitted_at is None and rating.overall is None

    def test_the_four_dimensions_are_stored(self, sel, expert):
        _rnd, report, rating = _rated(sel, expert)
        spotcheck.submit_rating(rating=rating, actor=expert, stars=STARS, comment="成效明显")
        rating.refresh_from_db()
        assert [v for _l, v in rating.dimension_values()] == [4, 5, 3, 4] and rating.overall == 4
        assert spotcheck.suggested_level(report) == 4

    def test_another_user_cannot_submit_the_rating(self, sel, expert, conflicted_expert):
        _rnd, _report, rating = _rated(sel, expert)
        with pytest.raises(services.EvaluationError, match="不是您的"):
            spotcheck.submit_rating(rating=rating, actor=conflicted_expert, stars=STARS, comment="x")


class TestConclusionAndPublication:
    def test_publication_waits_for_every_sampled_conclusion(self, sel, expert, client):
        rnd, report, rating = _rated(sel, expert)
        with pytest.raises(services.EvaluationError, match="未作出结论"):
            spotcheck.publish_round(round=rnd, actor=sel.p.admin)
        with pytest.raises(services.EvaluationError, match="至少一位专家"):
            spotcheck.conclude(report=report, outcome="pass", star_level="4", comment="", actor=sel.p.admin)
        spotcheck.submit_rating(rating=rating, actor=expert, stars=STARS, comment="成效明显")
        with pytest.raises(services.EvaluationError, match="1 到 5 星"):
            spotcheck.conclude(report=report, outcome="pass", star_level="7", comment="", actor=sel.p.admin)
        for r in rnd.reports.filter(sampled=True):
            if r.pk != report.pk:
                g = spotcheck.assign_expert(report=r, reviewer=expert, actor=sel.p.admin)
                spotcheck.submit_rating(rating=g, actor=expert, stars=STARS, comment="良好")
            spotcheck.conclude(report=r, outcome="pass", star_level="5" if r.pk == report.pk else "3",
                               comment="", actor=sel.p.admin)
        assert client.get(f"/demonstration/results/{rnd.pk}/").status_code == 404  # not yet public
        spotcheck.publish_round(round=rnd, actor=sel.p.admin)
        page = client.get(f"/demonstration/results/{rnd.pk}/").content.decode()
        assert report.declaration.project_name in page and "★★★★★" in page and "5 星" in page
        assert "已提交自查（未抽查）" in page

    def test_a_failed_project_loses_its_status_and_the_ban_ends(self, sel, expert):
        rnd = sel.sampled_round()
        report = sel.report_of(rnd, sel.decl_a)
        Report.objects.filter(pk=report.pk).update(sampled=True)
        later = make_guide(2022, title="次年指南")
        again = complete_declaration(later, sel.p.org_a, sel.p.district_a, project_name=sel.decl_a.project_name)
        assert any("示范期" in f.message for f in check_eligibility(again))
        rating = spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)
        spotcheck.submit_rating(rating=rating, actor=expert, stars={**STARS, "overall": "1"}, comment="未达目标")
        spotcheck.conclude(report=report, outcome="fail", star_level="", comment="主要指标未完成", actor=sel.p.admin)
        assert Demonstration.objects.get(declaration=sel.decl_a).status == "revoked"
        assert not any("示范期" in f.message for f in check_eligibility(again))

    def test_no_report_by_the_deadline_loses_the_status_and_ends_the_ban(self, sel):
        rnd = sel.open_round()
        sel.send_up_all(rnd, skip=[sel.decl_b])
        sel.after_deadline(rnd)
        later = make_guide(2022, title="次年指南")
        again = complete_declaration(later, sel.p.org_b, sel.p.district_b, project_name=sel.decl_b.project_name)
        assert any("示范期" in f.message for f in check_eligibility(again))
        missing = spotcheck.close_reporting(round=rnd, actor=sel.p.admin)
        assert missing == [sel.decl_b.pk]
        status = Demonstration.objects.get(declaration=sel.decl_b)
        assert status.status == "revoked" and "未按期" in status.revoked_reason and status.revoked_at <= timezone.now()
        assert Demonstration.objects.get(declaration=sel.decl_a).status == "active"
        assert not any("示范期" in f.message for f in check_eligibility(again))
