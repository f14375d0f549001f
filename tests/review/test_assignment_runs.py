"""Automatic assignment as a background run: progress, batches, resuming, one digest per reviewer."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from review.assignment_runs import STALE_AFTER, run_assignment, start_assignment
from review.conflicts import ConflictIndex, conflict_reason
from review.models import Assignment, AssignmentRun, Panel
from review.assignment import add_reviewer
from review.base import ReviewError
from review.setup import settings_for
from tests.factories import make_org
from tests.review.conftest import make_reviewer, recommended_declaration
from tests.utils import login

N_DECLS, N_REVIEWERS, PER = 12, 5, 3


@pytest.fixture
def year(personas):
    guide = personas.guide
    cfg = settings_for(guide)
    cfg.reviewers_per_declaration = PER
    cfg.save()
    decls = [recommended_declaration(guide) for _ in range(N_DECLS)]
    reviewers = [make_reviewer(f"r{i}", employer=f"单位{i}") for i in range(N_REVIEWERS)]
    for r in reviewers:
        r.email = f"{r.username}@example.com"
        r.save()
    panel = Panel.objects.create(guide=guide, name="组")
    panel.directions.set([guide.directions.get(code="4")])
    panel.reviewers.set(reviewers)
    return decls, reviewers


def _digests(user=None):
    qs = Notification.objects.filter(kind="reviewer_assigned", dedupe_key__startswith="review.assign:")
    return qs.filter(user=user) if user else qs


def _queued_run(personas):
    return AssignmentRun.objects.create(guide=personas.guide, started_by=personas.admin, active_at=timezone.now())


def test_the_button_queues_a_run_whose_page_shows_the_outcome(client, personas, year,
                                                              django_capture_on_commit_callbacks):
    login(client, personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("review:assign", args=[personas.guide.pk]))
    run = AssignmentRun.objects.get()
    assert r["Location"] == reverse("review:assign_run", args=[personas.guide.pk, run.pk])
    run.refresh_from_db()
    assert run.state == AssignmentRun.State.DONE and run.created == N_DECLS * PER and run.done == N_DECLS
    body = client.get(r["Location"]).content.decode()
    assert "已完成" in body and "所有项目均已分配足额评审专家" in body and 'http-equiv="refresh"' not in body
    assert f"已向 {N_REVIEWERS} 名专家各发送一条任务汇总通知" in body
    assert "查看详情" in client.get(reverse("review:manage_guide", args=[personas.guide.pk])).content.decode()


def test_each_reviewer_gets_one_digest_with_the_count(personas, year, django_capture_on_commit_callbacks):
    _decls, reviewers = year
    run = _queued_run(personas)
    with django_capture_on_commit_callbacks(execute=True):
        run_assignment(run.pk, batch_size=5)  # three batches
    total = 0
    for r in reviewers:
        n = Assignment.objects.filter(reviewer=r).count()
        digest = _digests(r).get()  # exactly one, not one per task
        assert f"分配了 {n} 个待评审项目" in digest.body
        total += n
    assert total == N_DECLS * PER
    assert Notification.objects.filter(kind="reviewer_assigned").count() == N_REVIEWERS
    assert len(mail.outbox) == N_REVIEWERS


def test_progress_moves_with_each_committed_batch(client, personas, year):
    seen = []

    def look(index, rows):
        run = AssignmentRun.objects.get()
        seen.append((index, run.state, run.done, run.total, run.progress,
                     Assignment.objects.count()))
        if index == 2:
            seen.append(client.get(reverse("review:assign_run", args=[personas.guide.pk, run.pk])).content.decode())

    login(client, personas.admin)
    run = _queued_run(personas)
    run_assignment(run.pk, batch_size=4, before_batch=look)
    page = seen.pop()
    assert [s[:4] for s in seen] == [(0, "running", 0, N_DECLS), (1, "running", 4, N_DECLS),
                                     (2, "running", 8, N_DECLS)]
    assert [s[5] for s in seen] == [0, 4 * PER, 8 * PER]  # each batch is committed before the next starts
    assert seen[2][4] == 66  # 8 of 12
    assert "分配中" in page and 'value="66"' in page and "已处理 8 / 12 个项目" in page
    assert 'http-equiv="refresh"' in page


def test_a_run_stopped_mid_way_says_how_far_it_got_and_continues(client, personas, year,
                                                                  django_capture_on_commit_callbacks):
    decls, reviewers = year
    by_hand = []

    def concurrent_change(index, rows):
        if index == 1:  # meanwhile an admin assigns by hand a pair this batch was about to write
            decl_id, uids = rows[0]
            by_hand.append(add_reviewer(declaration=next(d for d in decls if d.pk == decl_id),
                                        reviewer=next(r for r in reviewers if r.pk == uids[0]), actor=personas.admin))

    run = _queued_run(personas)
    run_assignment(run.pk, batch_size=5, before_batch=concurrent_change)
    run.refresh_from_db()
    assert run.state == AssignmentRun.State.FAILED
    assert "5 / 12" in run.error and "继续分配" in run.error
    # the first batch is saved and counted; nobody has been told anything by the run yet
    assert run.done == 5 and run.created == 5 * PER
    assert Assignment.objects.count() == 5 * PER + 1
    assert not _digests().exists()
    login(client, personas.admin)
    assert "继续分配" in client.get(reverse("review:assign_run", args=[personas.guide.pk, run.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        again = start_assignment(guide=personas.guide, actor=personas.admin)
    assert again.pk == run.pk  # the same run continues
    run.refresh_from_db()
    assert run.state == AssignmentRun.State.DONE and run.attempts == 2 and run.created == N_DECLS * PER - 1
    for d in decls:
        assert d.assignments.filter(state="active").count() == PER
    # one digest per reviewer, counting the run's tasks of both attempts (not the one made by hand)
    for r in reviewers:
        n = Assignment.objects.filter(reviewer=r).exclude(pk=by_hand[0].pk).count()
        assert f"分配了 {n} 个待评审项目" in _digests(r).get().body


def test_only_one_run_at_a_time_and_a_lost_one_can_be_continued(personas, year):
    run = _queued_run(personas)
    with pytest.raises(ReviewError, match="已有自动分配正在进行"):
        start_assignment(guide=personas.guide, actor=personas.admin)
    AssignmentRun.objects.filter(pk=run.pk).update(state=AssignmentRun.State.RUNNING,
                                                   active_at=timezone.now() - STALE_AFTER - timedelta(minutes=1))
    again = start_assignment(guide=personas.guide, actor=personas.admin)
    assert again.pk == run.pk  # marked lost, then continued


def test_no_run_after_publication(personas, year):
    settings_for(personas.guide).__class__.objects.filter(guide=personas.guide).update(published_at=timezone.now())
    with pytest.raises(ReviewError, match="已公布"):
        start_assignment(guide=personas.guide, actor=personas.admin)


def test_the_conflict_index_agrees_with_the_rule(rp):
    orgs = [rp.p.org_a, rp.p.org_b, make_org("北京大学"), make_org("某 公司（北京）", region="11")]
    profiles = [make_reviewer(f"c{i}", employer=e, region=reg, conflicts=c).reviewer_profile for i, (e, reg, c) in
                enumerate([("甲数据公司", "12", []), ("北京大学", "11", []), ("某公司(北京)", "13", []),
                           ("无关单位", "12", [orgs[1]]), ("", "", [])])]
    for switch in (False, True):
        index = ConflictIndex(((p.user_id, p.employer, p.region) for p in profiles),
                              [(p.user_id, o.pk) for p in profiles for o in p.conflicts.all()], region_switch=switch)
        for org in orgs:
            decl = type("D", (), {"organisation": org})()
            expected = {p.user_id for p in profiles if conflict_reason(p, decl, region_switch=switch)}
            assert index.conflicted(org.pk, org.name, org.region) == expected, (org.name, switch)
