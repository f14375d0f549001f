"""One realistic year at national scale, for benchmarks and query-count tests.

generate() builds, in one transaction and with bulk inserts, a separate published
guide (copied from the 2022 guide data, future deadlines) holding: the real top-level
recommending units and district units under the four municipalities, quota rules
for every kind of unit, N applicant organisations each with one user and one
declaration spread over the directions, units and states, the units' recommendation
lists (most confirmed, each within its quota, a city only after its districts),
reviewers in one panel per direction (some with declared conflicts), assignments made
by the real assignment service and a submitted review on each, selections among the
projects with the panel's minimum of reviews, a public notice of the minimum length,
and small attachments that all point at one tiny stored PDF. The data passes the
site's own checks (tests/scale/test_national.py runs them).

The size is chosen by the caller: the default is the pilot programme's year (5,000
applicants, the 2021 notice's quotas, 300 reviewers); `ranked` (a share of the
applicants, e.g. 0.1) gives every unit a quota override so that about that share ends
up recommended and reviewed, as a science-foundation-size year would have. Rows are
made and inserted chunk by chunk (operations/national_people.py, national_lists.py,
national_review.py), so memory stays bounded whatever the size.

Running it again deletes that guide's generated data first (guide, declarations,
lists, reviews, the "nat_" users and their organisations) and builds it anew, so
nothing is duplicated. Real units are shared with the demo and kept.
No audit records are written for the generated history, except the assignment
service's own record of its run.
"""

import random
import resource
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from core.models import AuditRecord, Notification
from core.regions import REGIONS
from declarations.loading import load_guide, read_guide_data
from declarations.models import Attachment, Declaration, Guide, Organisation
from declarations.tallies import rebuild_tallies
from quotas.demo import (PILOT_ZONES, PLAN_CITIES, SOE_GROUPS, SUBPROV_CAPITALS, TIANJIN_DISTRICTS, province_unit_name,
                         unit_division)
from documents.models import Document
from operations import national_lists, national_people, national_review
from quotas.loading import load_quotas
from quotas.models import ListEntry, QuotaRule, RecommendationList
from review.models import (
    Assignment,
    ProjectScore,
    Review,
    ReviewerProfile,
    ReviewerScore,
    ReviewSettings,
    Score,
    Selection,
)
from review.scores import refresh_guide_scores
from review.setup import ensure_default_sheet
from units.jurisdiction import delegated_kinds, derive
from units.models import Unit

TITLE = "2022年大数据产业发展试点示范项目申报指南（全国规模模拟）"
PREFIX = "nat_"
PASSWORD = "Nation#2026pass"
BATCH = 1000
CHUNK = 2000  # applicants (and reviews) made, inserted and dropped at a time
credit_code = national_people.credit_code
DISTRICTS = {
    "12": TIANJIN_DISTRICTS,
    "11": ["海淀区经济和信息化局", "朝阳区经济和信息化局"],
    "31": ["浦东新区科技和经济委员会", "徐汇区商务委员会"],
    "50": ["两江新区管理委员会经济运行局"],
}


class Progress:
    """Prints "[  12.3s, 内存峰值 N MB] step n/total (p%)" at most every `every` seconds and at each step's end."""

    def __init__(self, out, every=5.0):
        self.out, self.every, self.t0, self.last = out, every, time.monotonic(), 0.0

    def log(self, msg):
        if self.out:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            self.out(f"[{time.monotonic() - self.t0:7.1f}s, 内存峰值 {peak} MB] {msg}")

    def __call__(self, step, done, total):
        now = time.monotonic()
        if done >= total or now - self.last >= self.every:
            self.last = now
            self.log(f"{step} {done:,}/{total:,}（{100 * done // max(total, 1)}%）")


# --- cleanup -----------------------------------------------------------------------------------

def delete_existing(progress=None):
    """Remove a previous run's guide and everything generated with it; returns True if there was one."""
    progress = progress or Progress(None)
    User = get_user_model()
    guides = list(Guide.objects.filter(title=TITLE))
    users = User.objects.filter(username__startswith=PREFIX)
    org_ids = list(users.exclude(organisation=None).values_list("organisation_id", flat=True))
    for guide in guides:
        decl_ids = list(Declaration.objects.filter(guide=guide).values_list("pk", flat=True))
        list_ids = list(RecommendationList.objects.filter(guide=guide).values_list("pk", flat=True))
        _delete_documents(decl_ids, list_ids)
        for model, ids in ((Declaration, decl_ids), (RecommendationList, list_ids)):
            ct = ContentType.objects.get_for_model(model)
            AuditRecord.objects.filter(target_type=ct, target_id__in=[str(i) for i in ids])._raw_delete("default")
        ListEntry.objects.filter(rec_list__guide=guide)._raw_delete("default")
        RecommendationList.objects.filter(guide=guide).delete()
        for stored in (ProjectScore, ReviewerScore):
            if stored._meta.db_table in connection.introspection.table_names():
                stored.objects.filter(guide=guide)._raw_delete("default")
        Score.objects.filter(review__assignment__declaration__guide=guide)._raw_delete("default")
        Review.objects.filter(assignment__declaration__guide=guide)._raw_delete("default")
        Assignment.objects.filter(declaration__guide=guide)._raw_delete("default")
        Selection.objects.filter(declaration__guide=guide)._raw_delete("default")
        Attachment.objects.filter(declaration__guide=guide)._raw_delete("default")
        Declaration.extra_directions.through.objects.filter(declaration__guide=guide)._raw_delete("default")
        Declaration.objects.filter(guide=guide)._raw_delete("default")
        AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Guide),
                                   target_id=str(guide.pk))._raw_delete("default")
        guide.delete()
    progress.log("旧的全国规模指南数据已删除" if guides else "没有旧数据")
    reviewer_profiles = ReviewerProfile.objects.filter(user__username__startswith=PREFIX)
    ReviewerProfile.expertise.through.objects.filter(reviewerprofile__in=reviewer_profiles)._raw_delete("default")
    ReviewerProfile.conflicts.through.objects.filter(reviewerprofile__in=reviewer_profiles)._raw_delete("default")
    reviewer_profiles._raw_delete("default")
    Notification.objects.filter(user__username__startswith=PREFIX)._raw_delete("default")
    _purge(get_user_model(), list(users.values_list("pk", flat=True)))
    Organisation.objects.filter(pk__in=org_ids, declarations__isnull=True).delete()
    progress.log("旧的生成用户与申报单位已删除")
    return bool(guides)


def _purge(model, ids):
    """Delete rows like Model.delete() would, skipping related tables that do not exist yet.

    (Django's collector touches every related model, including rooms whose migrations
    are still being written; a missing table would abort the whole run.)
    """
    if not ids:
        return
    tables = set(connection.introspection.table_names())
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.db_table in tables:
            through.objects.filter(**{f"{field.m2m_field_name()}__in": ids})._raw_delete("default")
    for rel in model._meta.related_objects:
        related = rel.related_model
        if related._meta.db_table not in tables:
            continue
        if rel.many_to_many:
            through = rel.through
            if through._meta.db_table in tables:
                through.objects.filter(**{f"{rel.field.m2m_reverse_field_name()}__in": ids})._raw_delete("default")
            continue
        qs = related._base_manager.filter(**{f"{rel.field.name}__in": ids})
        if rel.on_delete is models.CASCADE:
            _purge(related, list(qs.values_list("pk", flat=True)))
        elif rel.on_delete is models.SET_NULL:
            qs.update(**{rel.field.name: None})
    for k in range(0, len(ids), BATCH):
        model._base_manager.filter(pk__in=ids[k:k + BATCH])._raw_delete("default")


def _delete_documents(decl_ids, list_ids):
    if Document._meta.db_table not in connection.introspection.table_names():
        return  # the documents room has no tables yet
    for model, ids in ((Declaration, decl_ids), (RecommendationList, list_ids)):
        if ids:
            docs = Document.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
            docs.update(superseded_by=None)
            docs.delete()


# --- building blocks ---------------------------------------------------------------------------

def _units():
    """The real top-level units (as the demo names them) and districts under the municipalities."""
    def unit(name, kind, region="", parent=None):
        obj, _created = Unit.objects.update_or_create(name=name, defaults={
            "kind": kind, "region": region, "parent": parent, "is_active": True,
            "division": unit_division(name, kind, region)})
        return obj

    top = []
    provinces = {}
    for code, name in REGIONS:
        kind = Unit.Kind.XPCC if code == "66" else Unit.Kind.PROVINCE
        provinces[code] = unit(province_unit_name(code, str(name)), kind, code)
        top.append(provinces[code])
    for name, region in PLAN_CITIES:
        top.append(unit(name, Unit.Kind.PLAN_CITY, region))
    for name, region in SUBPROV_CAPITALS:
        top.append(unit(name, Unit.Kind.SUBPROV_CAPITAL, region))
    for name in SOE_GROUPS:
        top.append(unit(name, Unit.Kind.SOE))
    for name, region in PILOT_ZONES:
        top.append(unit(name, Unit.Kind.PILOT_ZONE, region))
    districts = [unit(name, Unit.Kind.DISTRICT, code, parent=provinces[code])
                 for code, names in DISTRICTS.items() for name in names]
    return top, districts



# --- the generator -----------------------------------------------------------------------------

def generate(*, applicants=5000, reviewers=300, ranked=None, seed=2026, regions=None, out=None, chunk=CHUNK):
    """Build the national-scale year; returns a dict of counts (and the guide).

    ranked: share of the applicants to end up recommended (None: the 2021 notice's quotas decide);
    regions: province codes to draw the applicants from (default: all, weighted by size);
    tests pass one region so that a few units get many rows.
    """
    progress = Progress(out)
    with transaction.atomic():
        delete_existing(progress)
        stats = _generate(random.Random(seed), applicants, reviewers, ranked, regions, chunk, progress)
    progress.log("已提交事务")
    if connection.vendor == "postgresql":
        # Fresh statistics (after a bulk load the planner would otherwise pick plans for empty tables) and the
        # visibility map (index-only scans), as autovacuum would leave a live database.
        # (VACUUM cannot run inside a transaction: a test's generated year gets ANALYZE alone.)
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(statement)
        progress.log(f"{statement} 完成")
    stats["seconds"] = round(time.monotonic() - progress.t0, 1)
    return stats


def _guide(now):
    guide = load_guide(read_guide_data(2022), title=TITLE, applicant_deadline=now + timedelta(days=30),
                       unit_deadline=now + timedelta(days=45), published=True)
    Guide.objects.filter(pk=guide.pk).update(published_at=now - timedelta(days=20))
    return guide


def _context(rng, guide, now):
    """What every step needs: units, their staff, routing of an organisation to its unit, unconfirmed units."""
    User = get_user_model()
    top, districts = _units()
    all_units = top + districts
    load_quotas(guide, read_guide_data(2022))  # again, now that the districts its overrides name exist
    # After the data file's rules (which replace a guide's rules): a quota for every kind of unit.
    for kind, quota in national_lists.QUOTAS.items():
        QuotaRule.objects.update_or_create(guide=guide, unit_kind=kind, defaults={"quota": quota})
    # Places that have a unit of their own, per region: applicants registered there reach that unit.
    places = {}
    for u in all_units:
        if u.division:
            places.setdefault(u.region, []).append(u.division)
    kinds, overridden = delegated_kinds(guide)
    candidates = [u for u in all_units if u.is_active]

    def route(org):
        return derive(org.division, org.region, candidates=candidates, kinds=kinds, units=overridden)

    # Most units have confirmed their lists; a few are still working (they hold the unchecked declarations).
    unconfirmed = set(u.pk for u in rng.sample(all_units, max(1, len(all_units) // 8)))
    # A district's confirmed list feeds its parent, so a parent confirmed implies its districts confirmed.
    for d in districts:
        if d.parent_id not in unconfirmed:
            unconfirmed.discard(d.pk)
    password = make_password(PASSWORD)
    staff = [User(username=f"{PREFIX}unit_{i:03d}", password=password, role=User.Role.UNIT, unit=u,
                  full_name=f"{u.name}经办人", email=f"nat_unit_{i}@example.com")
             for i, u in enumerate(all_units, 1)]
    admin = User(username=f"{PREFIX}admin", password=password, role=User.Role.ADMIN, is_staff=True,
                 full_name="信息技术发展司（模拟）", email="nat_admin@example.com")
    User.objects.bulk_create(staff + [admin])
    return {"rng": rng, "guide": guide, "now": now, "prefix": PREFIX, "password": password,
            "directions": list(guide.directions.order_by("order")), "top": top, "districts": districts,
            "soe": [u for u in top if u.kind == Unit.Kind.SOE], "places": places, "route": route,
            "unconfirmed": unconfirmed, "staff": {u.pk: s for u, s in zip(all_units, staff)}, "admin": admin}


def _generate(rng, n_applicants, n_reviewers, ranked, only_regions, chunk, progress):
    now = timezone.now()
    guide = _guide(now)
    cfg, _ = ReviewSettings.objects.get_or_create(guide=guide)
    criteria = list(ensure_default_sheet(guide).criteria.all())
    ctx = _context(rng, guide, now)
    progress.log(f"指南“{guide.title}”已载入（{len(ctx['directions'])} 个方向），推荐单位 {len(ctx['top'])} 个顶层 + "
                 f"{len(ctx['districts'])} 个区级，经办人账号已建")
    made = national_people.build_applicants(ctx, n_applicants, only_regions, chunk, progress)
    lists = national_lists.build_lists(ctx, ranked, n_applicants, progress)
    progress.log(f"推荐名单 {lists['lists']} 份（已确认 {lists['confirmed']}），条目 {lists['entries']} 条，"
                 f"推荐项目 {lists['recommended']} 项")
    people = national_review.build_reviewers(ctx, n_reviewers, national_people.person, chunk)
    reviews = national_review.build_reviews(ctx, criteria, chunk, progress)
    refresh_guide_scores(guide)  # the stored scores of the bulk-inserted reviews and states, in one rebuild
    progress.log(f"评审专家 {people['reviewers']} 名（{people['conflicts']} 名申明回避），{people['panels']} 个评审组，"
                 f"评审 {reviews['reviews']} 份；分配未足额 {reviews['short']} 项")
    selected = national_review.build_selection(ctx, cfg)
    progress.log(f"拟入选 {selected} 项，公示已发布")
    rebuild_tallies(guide)  # the bulk inserts and updates above bypass the services that keep the counters
    states = dict(Declaration.objects.filter(guide=guide).values("state").annotate(n=Count("pk"))
                  .values_list("state", "n"))
    return {"guide": guide, "units": len(ctx["top"]) + len(ctx["districts"]), "organisations": made["organisations"],
            "declarations": made["declarations"], "states": states, "lists": lists["lists"],
            "entries": lists["entries"], "recommended": lists["recommended"], "reviewers": people["reviewers"],
            "assignments": reviews["assignments"], "reviews": reviews["reviews"], "selected": selected,
            "attachments": made["attachments"]}
