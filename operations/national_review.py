"""The national generator's review: reviewers in one panel per direction, the real assignment service,
a submitted review on every assignment, and the selection with its public notice.

Reviews and scores are written chunk by chunk from an iterator over the assignments; the selection is
read back with one aggregate, so memory does not grow with the number of reviews.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count
from django.utils import timezone

from core.regions import REGIONS
from declarations.models import Declaration
from review.models import Assignment, Panel, Review, ReviewerProfile, ReviewSettings, Score, Selection
from review.assignment import assign_reviewers
from review.selection import number_public_list
from review.workdays import add_working_days

S = Declaration.State
MIN_REVIEWS = 3  # each panel ranks and selects only projects with at least three submitted reviews
EMPLOYERS = ["清华大学", "北京大学", "中国信息通信研究院", "中国电子技术标准化研究院", "浙江大学", "复旦大学",
             "上海交通大学", "华中科技大学", "中国科学院计算技术研究所", "国家工业信息安全发展研究中心",
             "北京航空航天大学", "哈尔滨工业大学", "西安交通大学", "南京大学", "中山大学", "电子科技大学"]


def build_reviewers(ctx, n_reviewers, person, chunk):
    """Reviewer accounts and profiles, one panel per direction, expertise in it, some declared conflicts."""
    User = get_user_model()
    rng, guide, directions = ctx["rng"], ctx["guide"], ctx["directions"]
    regions = [code for code, _n in REGIONS][:31]
    # No e-mail address: the real assignment service notifies each reviewer, and a generated year must not
    # queue thousands of e-mails.
    users = User.objects.bulk_create(
        [User(username=f"{ctx['prefix']}rev_{i:04d}", password=ctx["password"], role=User.Role.REVIEWER,
              full_name=person(rng), email="") for i in range(1, n_reviewers + 1)], batch_size=chunk)
    profiles = ReviewerProfile.objects.bulk_create(
        [ReviewerProfile(user=u, name=u.full_name, employer=rng.choice(EMPLOYERS), region=rng.choice(regions),
                         title=rng.choice(["教授", "研究员", "高级工程师", "副教授"])) for u in users], batch_size=chunk)
    panels = Panel.objects.bulk_create([Panel(guide=guide, name=f"第{i}评审组（{d.name}）", min_reviews=MIN_REVIEWS)
                                        for i, d in enumerate(directions, 1)])
    Panel.directions.through.objects.bulk_create(
        [Panel.directions.through(panel_id=p.pk, direction_id=d.pk) for p, d in zip(panels, directions)])
    k_of = [i % len(directions) for i in range(len(users))]
    Panel.reviewers.through.objects.bulk_create(
        [Panel.reviewers.through(panel_id=panels[k].pk, user_id=u.pk) for u, k in zip(users, k_of)],
        batch_size=chunk)
    ReviewerProfile.expertise.through.objects.bulk_create(
        [ReviewerProfile.expertise.through(reviewerprofile_id=p.pk, direction_id=directions[k].pk)
         for p, k in zip(profiles, k_of)], batch_size=chunk)
    # Some reviewers declare a conflict with a project of their own panel: the assignment service must skip them.
    orgs_of = {}
    for direction_id, org_id in (Declaration.objects.filter(guide=guide, state=S.RECOMMENDED)
                                 .values_list("direction_id", "organisation_id").order_by("pk").iterator()):
        orgs_of.setdefault(direction_id, []).append(org_id)
    conflicts = []
    for p, k in zip(profiles, k_of):
        candidates = orgs_of.get(directions[k].pk)
        if candidates and rng.random() < 0.1:
            conflicts.append(ReviewerProfile.conflicts.through(reviewerprofile_id=p.pk,
                                                               organisation_id=rng.choice(candidates)))
    ReviewerProfile.conflicts.through.objects.bulk_create(conflicts, batch_size=chunk)
    return {"reviewers": len(users), "conflicts": len(conflicts), "panels": len(panels)}


def build_reviews(ctx, criteria, chunk, progress):
    """The real assignment service, then a submitted review with its scores on every active assignment."""
    rng, guide, now = ctx["rng"], ctx["guide"], ctx["now"]
    report = assign_reviewers(guide=guide, actor=ctx["admin"])
    active = Assignment.objects.filter(declaration__guide=guide, state=Assignment.State.ACTIVE)
    total = active.count()
    quality = {}  # one figure per ranked project: its reviewers agree roughly
    done = 0
    rows = active.order_by("pk").values_list("pk", "declaration_id").iterator(chunk_size=chunk)
    while True:
        batch = [row for _i, row in zip(range(chunk), rows)]
        if not batch:
            break
        reviews, values_of = [], []
        for pk, decl_id in batch:
            q = quality.setdefault(decl_id, rng.gauss(75, 8)) + rng.gauss(0, 5)
            values = [Decimal(str(round(min(100, max(30, q + rng.gauss(0, 4))), 1))) for _c in criteria]
            score = sum((v * c.weight for v, c in zip(values, criteria)), Decimal(0)).quantize(Decimal("0.01"))
            reviews.append(Review(assignment_id=pk, state=Review.State.SUBMITTED, total=score, submitted_at=now,
                                  comment="项目基础扎实，技术路线清晰，建议关注推广模式的可复制性。"))
            values_of.append(values)
        Review.objects.bulk_create(reviews, batch_size=chunk)
        Score.objects.bulk_create([Score(review=r, criterion=c, value=v) for r, values in zip(reviews, values_of)
                                   for c, v in zip(criteria, values)], batch_size=chunk)
        done += len(batch)
        progress("评审", done, total)
    return {"assignments": total, "reviews": done, "short": len(report.problems)}


def build_selection(ctx, cfg):
    """The best two fifths per direction by mean total among projects with the panel's minimum of reviews,
    and a public notice of the minimum length starting today."""
    guide, now = ctx["guide"], ctx["now"]
    means = (Review.objects.filter(assignment__declaration__guide=guide, state=Review.State.SUBMITTED)
             .values_list("assignment__declaration_id", "assignment__declaration__direction_id")
             .annotate(n=Count("pk"), mean=Avg("total")))
    by_direction = {}
    for decl_id, direction_id, n, mean in means:
        if n >= MIN_REVIEWS:
            by_direction.setdefault(direction_id, []).append((-mean, decl_id))
    chosen = []
    for items in by_direction.values():
        items.sort()
        chosen += [decl_id for _m, decl_id in items[: max(1, len(items) * 2 // 5)]]
    Selection.objects.bulk_create([Selection(declaration_id=pk, created_by=ctx["admin"]) for pk in chosen],
                                  batch_size=1000)
    today = timezone.localdate(now)
    ReviewSettings.objects.filter(pk=cfg.pk).update(
        notice_start=today, notice_end=add_working_days(today, cfg.notice_min_working_days), notice_opened_at=now)
    number_public_list(guide, published=False)
    return len(chosen)
