"""Named query builders of the review: scoping, aggregates and the ranking.

The scores of a guide come from one SQL statement (common table expressions and
window functions) that gives the same numbers on SQLite and PostgreSQL: no Median /
StdDev aggregates (SQLite has neither, and Django would not warn), no GREATEST, no
NULLS LAST. The standard deviation is the population one, sqrt(avg(x²) − avg(x)²);
the trimmed mean drops one highest and one lowest total when there are at least five
reviews: (sum − max − min) / (n − 2); a review's z-score is (total − the reviewer's
mean) / the reviewer's standard deviation within the guide (0 when the reviewer shows
no spread). Values are rounded as NUMERIC to 2 (z: 3) decimals before ranking, so
floating-point noise cannot break a tie differently on the two databases. Each CTE is
computed once: written with the ORM, every reference to an annotated subquery is
inlined again, which took minutes for a few thousand projects.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Subquery

from core.models import AuditRecord
from core.regions import REGIONS
from declarations.guide_cache import attach_direction, guide_cached
from declarations.models import Attachment, Declaration, Direction
from units.models import Unit

from .conflicts import conflict_reason, declared_conflict_ids
from .models import Assignment, Criterion, Panel, Review, ReviewerProfile, ScoringSheet
from .setup import settings_for, sheet_for

TRIM_FROM = 5  # 去掉一个最高分和一个最低分 from this many reviews on
RANKED_STATES = (Declaration.State.RECOMMENDED, Declaration.State.SELECTED, Declaration.State.NOT_SELECTED)
# The columns of a ranked declaration that the ranking page, its export and a project's review page use.
RANKING_FIELDS = ("guide_id", "organisation_id", "unit_id", "direction_id", "state", "project_name",
                  "organisation__name", "organisation__credit_code", "organisation__region", "unit__name",
                  "selection__id", "selection__declaration_id")
_set_direction = Declaration._meta.get_field("direction").set_cached_value


@dataclass(frozen=True)
class Scores:
    n_reviews: int
    mean: float | None
    final: float | None  # the trimmed mean (the mean below five reviews): what the ranking uses
    std_dev: float | None
    z_score: float | None
    final_rank: int | None  # None: fewer submitted reviews than the panel's minimum, so not ranked
    z_rank: int | None


def _round(expr, places):
    return f"CAST(ROUND(CAST({expr} AS NUMERIC), {places}) AS DOUBLE PRECISION)"


def _scores_sql(per_direction=False):
    """The scores' SQL; per_direction: only one direction's projects (its ranks and z-scores are the same:
    ranks are per direction, and a reviewer's mean and spread still come from all their reviews in the guide)."""
    review, assignment = Review._meta.db_table, Assignment._meta.db_table
    decl, panel = Declaration._meta.db_table, Panel._meta.db_table
    panel_dirs = Panel.directions.through._meta.db_table
    reviewers_of_direction = (f"""AND a.reviewer_id IN (SELECT a2.reviewer_id FROM {assignment} a2
    JOIN {decl} d2 ON d2.id = a2.declaration_id WHERE d2.guide_id = %s AND d2.direction_id = %s)"""
                              if per_direction else "")
    one_direction = "AND d.direction_id = %s" if per_direction else ""
    return f"""
WITH r AS (
  SELECT a.declaration_id AS decl_id, a.reviewer_id AS reviewer_id, CAST(rv.total AS DOUBLE PRECISION) AS t
  FROM {review} rv JOIN {assignment} a ON a.id = rv.assignment_id JOIN {decl} d ON d.id = a.declaration_id
  WHERE rv.state = %s AND rv.total IS NOT NULL AND d.guide_id = %s {reviewers_of_direction}
),
rs AS (SELECT reviewer_id, AVG(t) AS m, AVG(t * t) - AVG(t) * AVG(t) AS v FROM r GROUP BY reviewer_id),
rz AS (
  SELECT r.decl_id, r.t, CASE WHEN rs.v > 1e-9 THEN (r.t - rs.m) / SQRT(rs.v) ELSE 0.0 END AS z
  FROM r JOIN rs ON rs.reviewer_id = r.reviewer_id
),
agg AS (
  SELECT decl_id, COUNT(*) AS n, SUM(t) AS s, MAX(t) AS mx, MIN(t) AS mn, AVG(t * t) AS sq, AVG(z) AS zm
  FROM rz GROUP BY decl_id
),
pm AS (
  SELECT pd.direction_id AS direction_id, MAX(p.min_reviews) AS min_n
  FROM {panel_dirs} pd JOIN {panel} p ON p.id = pd.panel_id WHERE p.guide_id = %s GROUP BY pd.direction_id
),
base AS (
  SELECT d.id AS decl_id, d.direction_id AS direction_id, COALESCE(agg.n, 0) AS n,
    CASE WHEN COALESCE(agg.n, 0) >= COALESCE(pm.min_n, 1) THEN 1 ELSE 0 END AS rankable,
    agg.s / agg.n AS mean_raw,
    CASE WHEN agg.n >= {TRIM_FROM} THEN (agg.s - agg.mx - agg.mn) / (agg.n - 2) ELSE agg.s / agg.n END AS trimmed_raw,
    agg.sq - (agg.s / agg.n) * (agg.s / agg.n) AS var_raw,
    agg.zm AS z_raw
  FROM {decl} d LEFT JOIN agg ON agg.decl_id = d.id LEFT JOIN pm ON pm.direction_id = d.direction_id
  WHERE d.guide_id = %s AND d.state IN (%s, %s, %s) {one_direction}
),
rounded AS (
  SELECT decl_id, direction_id, n, rankable,
    {_round("mean_raw", 2)} AS mean_score,
    {_round("trimmed_raw", 2)} AS final_score,
    {_round("SQRT(CASE WHEN var_raw IS NULL THEN NULL WHEN var_raw > 0 THEN var_raw ELSE 0.0 END)", 2)} AS std_dev,
    {_round("z_raw", 3)} AS z_score
  FROM base
)
SELECT decl_id, n, mean_score, final_score, std_dev, z_score,
  CASE WHEN rankable = 1 THEN RANK() OVER (PARTITION BY direction_id, rankable
               ORDER BY CASE WHEN final_score IS NULL THEN 1 ELSE 0 END, final_score DESC) END AS final_rank,
  CASE WHEN rankable = 1 THEN RANK() OVER (PARTITION BY direction_id, rankable
               ORDER BY CASE WHEN z_score IS NULL THEN 1 ELSE 0 END, z_score DESC) END AS z_rank
FROM rounded
"""


def guide_scores(guide, direction=None):
    """{declaration id: Scores} for every recommended / selected / not selected declaration of the guide
    (of one direction of it, when given: a direction's tab reads its own reviewers' reviews only).

    One query, whatever the number of declarations and reviews.
    """
    if direction is None:
        sql, params = _scores_sql(), [Review.State.SUBMITTED, guide.pk, guide.pk, guide.pk, *RANKED_STATES]
    else:
        d = direction.pk if hasattr(direction, "pk") else direction
        sql, params = _scores_sql(True), [Review.State.SUBMITTED, guide.pk, guide.pk, d, guide.pk, guide.pk,
                                          *RANKED_STATES, d]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: Scores(int(row[1]), *(None if v is None else float(v) for v in row[2:6]),
                               *(None if v is None else int(v) for v in row[6:8]))
                for row in cursor.fetchall()}


def ranked_declarations(guide, *, panel=None, direction=None, unit=None, region=None):
    """The ranked declarations of a guide that the ranking filters keep (a queryset)."""
    qs = Declaration.objects.filter(guide=guide, state__in=RANKED_STATES)
    if panel is not None:
        qs = qs.filter(direction__panels=panel)
    if direction is not None:
        qs = qs.filter(direction=direction)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if region:
        qs = qs.filter(organisation__region=region)
    return qs


def ranking(guide, *, panel=None, direction=None, unit=None, region=None, order="final", declaration_ids=None,
            scores=None, directions=None):
    """The ranked declarations of a guide with their scores, per direction, in three queries.

    Ranks are computed by the database over each whole direction; the filters only choose
    which rows to show, so a project keeps its direction rank when the list is filtered by
    unit or region. order: "final" (trimmed mean) or "z" (normalised). `scores` and `directions`:
    what guide_scores and the guide's directions gave, when the caller has them already.
    """
    scores = guide_scores(guide) if scores is None else scores
    # Only the columns a ranking shows (page, export, a project's review page): a full row of each
    # declaration, organisation and direction cost more than the scores themselves. The guide's few
    # directions come from one small query and are shared by the rows.
    if directions is None:
        directions = {d.pk: d for d in Direction.objects.filter(guide=guide)}
    qs = ranked_declarations(guide, panel=panel, direction=direction, unit=unit, region=region).select_related(
        "organisation", "unit", "selection").only(*RANKING_FIELDS)
    if declaration_ids is not None:
        qs = qs.filter(pk__in=declaration_ids)
    rows = []
    for decl in qs:
        s = scores.get(decl.pk)
        if s is None:  # moved out of the ranked states between the two queries
            continue
        decl.__dict__.update(s.__dict__)
        _set_direction(decl, directions.get(decl.direction_id))
        decl.rank = s.z_rank if order == "z" else s.final_rank
        rows.append(decl)
    unranked = 1 << 30
    rows.sort(key=lambda d: (d.direction.order if d.direction_id else 0, d.direction_id or 0,
                             unranked if d.rank is None else d.rank, d.pk))
    return rows


def ranking_page_rows(guide, *, page=1, per_page=200, order="final", directions=None, **filters):
    """One page of the ranking (thousands of projects stay a page of rows) and its Paginator page.

    The order of the whole filtered list comes from the scores and two id columns; only the page's
    declarations are loaded with their columns. Four queries whatever the number of projects.
    """
    from django.core.paginator import Paginator

    scores = guide_scores(guide, direction=filters.get("direction"))
    directions = {d.pk: d for d in (Direction.objects.filter(guide=guide) if directions is None else directions)}
    ids = ranked_declarations(guide, **filters).order_by().values_list("pk", "direction_id")
    unranked = 1 << 30  # short of reviews: no rank, listed last in its direction as ranking() does

    def key(item):
        pk, direction_id = item
        s = scores[pk]
        d = directions.get(direction_id)
        rank = s.z_rank if order == "z" else s.final_rank
        return (d.order if d else 0, direction_id or 0, unranked if rank is None else rank, pk)

    ordered = sorted((item for item in ids if item[0] in scores), key=key)
    page_obj = Paginator(ordered, per_page).get_page(page)
    rows = ranking(guide, order=order, declaration_ids=[pk for pk, _d in page_obj.object_list], scores=scores,
                   directions=directions, **filters) if page_obj.object_list else []
    return rows, page_obj


def ranking_in_chunks(guide, *, order="final", chunk_size=500, **filters):
    """The whole filtered ranking, in ranking()'s order, as a stream of lists of at most `chunk_size` rows.

    Direction by direction: ranks and scores are per direction, so only one direction's scores and
    (id, rank) pairs are held at a time, and its declarations are loaded `chunk_size` at a time. Memory
    follows the largest direction, not the guide: an export of 30,000 ranked projects never holds them all.
    """
    directions = {d.pk: d for d in Direction.objects.filter(guide=guide)}
    qs = ranked_declarations(guide, **filters).order_by()
    present = set(qs.values_list("direction_id", flat=True).distinct())
    unranked = 1 << 30
    # ranking()'s order: the direction's order, its id (no direction first), then rank and id.
    for direction_id in sorted(present, key=lambda d: (directions[d].order, d) if d in directions else (0, 0)):
        if direction_id is None:  # an odd row without a direction: the whole guide's scores, as ranking() reads
            scores = guide_scores(guide)
        else:
            scores = guide_scores(guide, direction=direction_id)
        ids = []
        for pk in qs.filter(direction_id=direction_id).values_list("pk", flat=True).iterator(chunk_size=2000):
            s = scores.get(pk)
            if s is not None:
                rank = s.z_rank if order == "z" else s.final_rank
                ids.append((unranked if rank is None else rank, pk))
        ids.sort()
        for start in range(0, len(ids), chunk_size):
            chunk = [pk for _rank, pk in ids[start:start + chunk_size]]
            yield ranking(guide, order=order, declaration_ids=chunk, scores=scores, directions=directions, **filters)


QUEUE_STATUSES = ("todo", "done")
# What a queue row reads of a declaration: the masker needs the organisation's identity and the unit's name;
# the application's long texts stay in the database.
_QUEUE_DEFER = tuple(f"declaration__{f}" for f in ("summary", "innovation", "ip_items", "cases", "benefits",
                                                   "promotion", "open_source", "return_reason"))


def reviewer_queue(user, status=""):
    """The reviewer's active assignments (a queryset for a keyset page), "todo" without a submitted review,
    "done" with one, with what the queue shows. Oldest assignment first: the index on (reviewer, state, id)."""
    qs = (Assignment.objects.filter(reviewer=user, state=Assignment.State.ACTIVE)
          .select_related("declaration__organisation", "declaration__unit", "declaration__direction",
                          "declaration__guide__review_settings", "review")
          .defer(*_QUEUE_DEFER, "declaration__direction__requirements", "declaration__direction__content",
                 "declaration__direction__outcomes"))
    if status == "todo":
        qs = qs.exclude(review__state=Review.State.SUBMITTED)
    elif status == "done":
        qs = qs.filter(review__state=Review.State.SUBMITTED)
    return qs


def queue_progress(user):
    """(submitted, all) of the reviewer's active assignments, in one query."""
    agg = Assignment.objects.filter(reviewer=user, state=Assignment.State.ACTIVE).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(review__state=Review.State.SUBMITTED)))
    return agg["done"], agg["total"]


def allowed_assignments(profile, rows):
    """The rows the conflict rule still allows (a conflict found after assignment hides the task)."""
    if profile is None:
        return []
    conflict_ids = declared_conflict_ids(profile)
    allowed = []
    for a in rows:
        cfg = getattr(a.declaration.guide, "review_settings", None)
        region_switch = bool(cfg and cfg.region_conflict)
        if not conflict_reason(profile, a.declaration, region_switch=region_switch, conflict_ids=conflict_ids):
            allowed.append(a)
    return allowed


def reviewer_profile(user):
    return ReviewerProfile.objects.filter(user=user).prefetch_related("conflicts").first()


def assignment_overview(guide, *, direction=None, panel=None):
    """The assignment table of a guide: its ranked declarations (a queryset for a keyset page in id order,
    served by the index on guide, direction, id of ranked declarations), their assignments prefetched.
    Counts per row come from the prefetched assignments, not a GROUP BY over the whole guide."""
    from django.db.models import Prefetch

    qs = (Declaration.objects.filter(guide=guide, state__in=RANKED_STATES)
          .select_related("organisation", "direction")
          .only("guide_id", "project_name", "state", "organisation__name", "organisation__region",
                "organisation__credit_code", "direction__code", "direction__name", "unit_id")
          .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related(
              "reviewer__reviewer_profile", "review").prefetch_related("reviewer__reviewer_profile__conflicts")
              .order_by("pk"))))
    if direction is not None:
        qs = qs.filter(direction=direction)
    if panel is not None:
        qs = qs.filter(direction__in=panel.directions.all())
    return qs


def guide_progress(guide):
    a = Assignment.objects.filter(declaration__guide=guide)
    progress = {
        "declarations": Declaration.objects.filter(guide=guide, state=Declaration.State.RECOMMENDED).count(),
        "assignments": a.filter(state=Assignment.State.ACTIVE).count(),
        "declined": a.filter(state=Assignment.State.DECLINED).count(),
        "submitted": a.filter(review__state=Review.State.SUBMITTED).count(),
    }
    progress["pending"] = progress["assignments"] - progress["submitted"]
    return progress




def declaration_history(declaration):
    """The declaration's own records plus the review steps about it (which target its guide)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(declaration)
    return (AuditRecord.objects.filter(Q(target_type=ct, target_id=str(declaration.pk))
                                       | Q(action__startswith="review.", data__declaration=declaration.pk))
            .select_related("actor"))


def ranking_filters(query, guide):
    """Ranking filters from a query dict (the page's GET, or an export's saved query).

    Unknown or foreign ids are ignored, never a 500. Returns (filters, order).
    """
    def _int(name):
        value = query.get(name, "")
        return int(value) if value.isdigit() else None

    f = {"panel": None, "direction": None, "unit": None, "region": None}
    if _int("panel"):
        f["panel"] = Panel.objects.filter(pk=_int("panel"), guide=guide).first()
    if _int("direction"):
        f["direction"] = Direction.objects.filter(pk=_int("direction"), guide=guide).first()
    if _int("unit"):
        f["unit"] = Unit.objects.filter(pk=_int("unit")).first()
    region = query.get("region", "")
    if region in dict(REGIONS):
        f["region"] = region
    order = "z" if query.get("order") == "z" else "final"
    return f, order


def reviewer_page_assignment(user, pk):
    """The reviewer's own active assignment `pk` with all its pages show, or None when it is not theirs, not
    active, or the conflict rule forbids it (the same rule as review.rules.active_assignment).

    One query for the assignment, its declaration (guide and review settings, organisation, unit) and its review
    (the direction from the guide's cached directions); one each for the extra directions, attachments and scores; one for the reviewer's profile with
    whether it declared a conflict with this organisation.
    """
    from django.db.models import Exists, OuterRef, Prefetch

    a = (Assignment.objects.filter(pk=pk, reviewer=user, state=Assignment.State.ACTIVE)
         .select_related("declaration__guide__review_settings", "declaration__organisation", "declaration__unit",
                         "review")
         .prefetch_related("declaration__extra_directions", "review__scores",
                           Prefetch("declaration__attachments", queryset=Attachment.objects.select_related("kind")))
         .first())
    if a is None:
        return None
    decl = attach_direction(a.declaration)  # from the guide's cached directions: no eighth table to plan
    cfg = getattr(decl.guide, "review_settings", None) or settings_for(decl.guide)
    declared = ReviewerProfile.conflicts.through.objects.filter(reviewerprofile_id=OuterRef("pk"),
                                                                organisation_id=decl.organisation_id)
    profile = ReviewerProfile.objects.filter(user=user).annotate(conflicted=Exists(declared)).first()
    conflict_ids = {decl.organisation_id} if profile is not None and profile.conflicted else set()
    if conflict_reason(profile, decl, region_switch=cfg.region_conflict, conflict_ids=conflict_ids):
        return None
    a.reviewer_available = profile is not None and profile.is_active  # the page shows it: no second read
    return a, decl, cfg


def sheet_criteria(declaration):
    """The criteria of the scoring sheet `declaration` is scored on, in one query: the sheet chosen exactly as
    review.setup.sheet_for chooses it (the direction's own, else the guide's default), as a subquery. No
    criteria found (no sheet yet, or an empty one): sheet_for decides, creating the default sheet if needed."""
    chosen = (ScoringSheet.objects.filter(Q(direction_id=declaration.direction_id) | Q(direction__isnull=True),
                                          guide_id=declaration.guide_id)
              .order_by(F("direction_id").asc(nulls_last=True)).values("pk")[:1])
    # The same for every declaration of the direction: cached under the guide's data version.
    criteria = guide_cached(declaration.guide, f"criteria:{declaration.direction_id}",
                            lambda: list(Criterion.objects.filter(sheet_id=Subquery(chosen))))
    return criteria or list(sheet_for(declaration).criteria.all())
