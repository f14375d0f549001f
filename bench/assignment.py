"""Benchmark (not a test): automatic assignment of a foundation-size year, timed, with peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_scalejobs \\
        .venv/bin/python bench/assignment.py [--projects 30000] [--reviewers 3000] [--per 5] [--rebuild]

Builds (once, with bulk inserts; reused by later runs) a separate guide holding N recommended
projects of N organisations over the 2022 guide's directions, R reviewers in one panel per direction
(each with one direction of expertise, two declared conflicts, and one in twenty working for an
applicant), then deletes that guide's assignments and runs the real worker body
(review.assignment_runs.run_assignment, what the Celery task calls) in a fresh process, which reports
its wall time, its peak resident memory (VmHWM) and what it wrote. E-mails of the digests go to
the broker (REDIS_URL, default Redis db 8, flushed afterwards) as they would in production; no
worker sends them.
"""

import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("SIGNING_P12_PASSWORD", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pilotdecl_scalejobs")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")

TITLE = "自动分配基准测试指南（bench/assignment.py）"
PREFIX = "bench_asg_"
ORG_PREFIX = "基准"
BATCH = 5000


def _setup():
    import django

    django.setup()


def build(n_projects, n_reviewers, out=print):
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from stdnum.cn import uscc

    from declarations.loading import load_guide, read_guide_data
    from declarations.models import Declaration, Guide, Organisation
    from review.models import Panel, ReviewerProfile, ReviewSettings

    User = get_user_model()
    rng = random.Random(14)
    t0 = time.monotonic()
    guide = load_guide(read_guide_data(2022), title=TITLE, published=True)
    ReviewSettings.objects.get_or_create(guide=guide)
    directions = list(guide.directions.order_by("order", "pk"))
    with transaction.atomic():
        orgs = []
        for i in range(n_projects):
            region = rng.choice(["11", "12", "31", "32", "33", "44", "51"])
            body = f"91{region}01008{i:08d}"
            orgs.append(Organisation(
                name=f"基准{i:06d}数据科技有限公司", credit_code=body + uscc.calc_check_digit(body), kind="enterprise",
                region=region, division=f"{region}0100",
                contact_name="张三", contact_phone="13800000000", contact_email=f"c{i}@example.com"))
        Organisation.objects.bulk_create(orgs, batch_size=BATCH)
        org_ids = list(Organisation.objects.filter(name__startswith=ORG_PREFIX).order_by("pk")
                       .values_list("pk", flat=True))[:n_projects]
        Declaration.objects.bulk_create([
            Declaration(guide=guide, organisation_id=oid, direction=directions[i % len(directions)],
                        state=Declaration.State.RECOMMENDED, project_name=f"基准项目{i:06d}")
            for i, oid in enumerate(org_ids)], batch_size=BATCH)
        out(f"[{time.monotonic() - t0:6.1f}s] {n_projects} organisations and recommended projects")
        User.objects.bulk_create([
            User(username=f"{PREFIX}{i:05d}", role="reviewer", full_name=f"专家{i:05d}", password="!",
                 email=f"{PREFIX}{i:05d}@example.com") for i in range(n_reviewers)], batch_size=BATCH)
        users = list(User.objects.filter(username__startswith=PREFIX).order_by("username").values_list("pk", flat=True))
        names = {}
        profiles = []
        for i, uid in enumerate(users):
            employer = f"基准{rng.randrange(n_projects):06d}数据科技有限公司" if i % 20 == 0 else f"某大学{i % 97}"
            profiles.append(ReviewerProfile(user_id=uid, name=f"专家{i:05d}", employer=employer,
                                            region=rng.choice(["11", "12", "31", "44"])))
            names[uid] = i
        ReviewerProfile.objects.bulk_create(profiles, batch_size=BATCH)
        prof = dict(ReviewerProfile.objects.filter(user_id__in=users).values_list("user_id", "pk"))
        Expertise = ReviewerProfile.expertise.through
        Conflicts = ReviewerProfile.conflicts.through
        Expertise.objects.bulk_create([Expertise(reviewerprofile_id=prof[uid], direction_id=directions[
            names[uid] % len(directions)].pk) for uid in users], batch_size=BATCH)
        Conflicts.objects.bulk_create([Conflicts(reviewerprofile_id=prof[uid], organisation_id=oid)
                                       for uid in users for oid in rng.sample(org_ids, 2)], batch_size=BATCH,
                                      ignore_conflicts=True)
        for k, d in enumerate(directions):
            panel = Panel.objects.create(guide=guide, name=f"第{k + 1}评审组")
            panel.directions.set([d])
            Panel.reviewers.through.objects.bulk_create([
                Panel.reviewers.through(panel_id=panel.pk, user_id=uid) for uid in users[k::len(directions)]],
                batch_size=BATCH)
    out(f"[{time.monotonic() - t0:6.1f}s] {n_reviewers} reviewers in {len(directions)} panels")
    return Guide.objects.get(pk=guide.pk)


def delete_existing():
    from django.contrib.auth import get_user_model

    from core.models import Notification
    from declarations.models import Declaration, Guide, Organisation
    from review.models import Assignment, AssignmentRun, Panel, ReviewerProfile

    for guide in Guide.objects.filter(title=TITLE):
        Assignment.objects.filter(declaration__guide=guide).delete()
        AssignmentRun.objects.filter(guide=guide).delete()
        Panel.objects.filter(guide=guide).delete()
        Declaration.objects.filter(guide=guide).delete()
        guide.delete()
    Organisation.objects.filter(name__startswith=ORG_PREFIX).delete()
    users = get_user_model().objects.filter(username__startswith=PREFIX)
    Notification.objects.filter(user__in=users).delete()
    ReviewerProfile.objects.filter(user__in=users).delete()
    users.delete()


def existing(n_projects, n_reviewers):
    from django.contrib.auth import get_user_model

    from declarations.models import Guide

    guide = Guide.objects.filter(title=TITLE).first()
    if guide is None:
        return None
    if (guide.declarations.count() != n_projects
            or get_user_model().objects.filter(username__startswith=PREFIX).count() != n_reviewers):
        return None
    return guide


def vm_hwm_mb():
    """Peak resident memory of this process (VmHWM; getrusage's ru_maxrss survives exec, so a spawned
    child would report its parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the VmHWM high-water mark
    except OSError:
        pass


def _worker(guide_id, per, queue):
    """A fresh process, as a Celery worker would be: time the run and read its peak resident memory."""
    _setup()
    from django.db import connection

    from review.assignment_runs import run_assignment
    from review.models import AssignmentRun
    from review.setup import settings_for

    from declarations.models import Guide

    guide = Guide.objects.get(pk=guide_id)
    cfg = settings_for(guide)
    cfg.reviewers_per_declaration = per
    cfg.save()
    admin = None
    run = AssignmentRun.objects.create(guide=guide, started_by=admin)
    AssignmentRun.objects.filter(pk=run.pk).update(active_at=run.created_at)
    connection.close()
    reset_peak()
    base = vm_hwm_mb()
    from django.utils import timezone

    started = timezone.now()
    t = time.perf_counter()
    report = run_assignment(run.pk)
    elapsed = time.perf_counter() - t
    run.refresh_from_db()
    to_done = (run.finished_at - started).total_seconds() if run.finished_at else float("nan")
    queue.put({"seconds": elapsed, "to_done": to_done, "peak_mb": vm_hwm_mb(), "base_mb": base, "state": run.state, "created": run.created, "done": run.done,
               "problems": run.problem_count, "notified": report.notified if report else None,
               "error": run.error})


def _result(proc, queue):
    """The child's report; if it died first (its traceback is above), stop instead of waiting forever."""
    import queue as queues

    while True:
        try:
            result = queue.get(timeout=5)
        except queues.Empty:
            if not proc.is_alive():
                sys.exit(f"the worker process failed (exit code {proc.exitcode})")
            continue
        proc.join()
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=30_000)
    parser.add_argument("--reviewers", type=int, default=3_000)
    parser.add_argument("--per", type=int, default=5, help="reviewers per project")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from core.models import Notification
    from review.models import Assignment, AssignmentRun, Panel

    call_command("migrate", verbosity=0)
    guide = None if args.rebuild else existing(args.projects, args.reviewers)
    if guide is None:
        delete_existing()
        guide = build(args.projects, args.reviewers)
    else:
        print(f"reusing the benchmark guide #{guide.pk}")
    t = time.monotonic()
    Assignment.objects.filter(declaration__guide=guide).delete()
    AssignmentRun.objects.filter(guide=guide).delete()
    Notification.objects.filter(user__username__startswith=PREFIX).delete()
    print(f"cleared earlier assignments in {time.monotonic() - t:.1f}s")
    connection.close()

    queue = multiprocessing.get_context("spawn").Queue()
    proc = multiprocessing.get_context("spawn").Process(target=_worker, args=(guide.pk, args.per, queue))
    proc.start()
    result = _result(proc, queue)

    digests = Notification.objects.filter(user__username__startswith=PREFIX, kind="reviewer_assigned").count()
    assigned = Assignment.objects.filter(declaration__guide=guide).count()
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the queued e-mail tasks: nobody sends them here
    print(f"\nautomatic assignment: {args.projects} projects x {args.per} reviewers, {args.reviewers} reviewers, "
          f"{Panel.objects.filter(guide=guide).count()} panels")
    print(f"  state {result['state']}, {result['created']} assignments written ({assigned} in the database), "
          f"{result['done']} projects, {result['problems']} left short")
    print(f"  {digests} digest notifications ({result['notified']} sent by the run) for {args.reviewers} reviewers")
    print(f"  wall time {result['seconds']:.1f} s, of which {result['to_done']:.1f} s until the run showed "
          f"'done' (the rest: queueing {result['notified']} e-mail tasks); worker peak RSS {result['peak_mb']:.0f} MB "
          f"(the process before the run: {result['base_mb']:.0f} MB)")
    if result["error"]:
        print("  error:", result["error"])


if __name__ == "__main__":
    main()
