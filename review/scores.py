"""Stored scores: every ranked declaration's scores and every reviewer's totals per guide, kept in tables that
the review services write in the same transaction as the change, and the ranking page read from them.

The numbers are those of review.queries.guide_scores (the reference, still computed from scratch by the
exports): the same formulas over the same rows, rounded the same way in SQL, so a stored row and the reference
agree on both databases. No model signals: a queryset's update() or bulk_create() would bypass them. Instead

- rescore(guide, declaration_ids, reviewer_ids) is called by every service that changes what the scores read:
  a review submitted or reopened (scoring), a declaration entering or leaving the ranked states (the
  declarations app's declaration_state_changed, sent by its only writer of the state). A reviewer's mean and
  spread change with each of their reviews, so the z-score of every project they reviewed in the guide is
  recomputed with it: one statement over just those projects' reviews.
- refresh_guide_scores(guide) rebuilds a guide's rows from scratch: the migration's backfill, the national
  generator after its bulk inserts, a restored backup.

Concurrency: the rows a rescore writes are locked first (reviewers, then projects, each in id order), and then
computed by a new statement, which in READ COMMITTED sees what a concurrent rescore of the same rows committed.
"""

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count

from declarations.models import Declaration, Direction

from .models import Assignment, Panel, ProjectScore, Review, ReviewerScore
from .queries import RANKED_STATES, TRIM_FROM, Scores, _round, ranking

_PS, _RS = ProjectScore._meta.db_table, ReviewerScore._meta.db_table
_REVIEW, _ASSIGNMENT, _DECL = Review._meta.db_table, Assignment._meta.db_table, Declaration._meta.db_table
_COLUMNS = ("declaration_id", "guide_id", "direction_id", "n", "total_sum", "total_max", "total_min", "total_sq",
            "z_sum", "mean", "final", "std_dev", "z")


def _in(ids):
    return ", ".join(["%s"] * len(ids))


def _project_sql(decl_filter):
    """INSERT … SELECT … ON CONFLICT of the stored rows of the ranked declarations that `decl_filter` (a condition
    on the declaration `d`, then its parameters) keeps, computed as review.queries._scores_sql computes them."""
    columns = ", ".join(_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
    return f"""
WITH r AS (
  SELECT a.declaration_id AS decl_id, a.reviewer_id AS reviewer_id, CAST(rv.total AS DOUBLE PRECISION) AS t
  FROM {_REVIEW} rv JOIN {_ASSIGNMENT} a ON a.id = rv.assignment_id JOIN {_DECL} d ON d.id = a.declaration_id
  WHERE rv.state = %s AND rv.total IS NOT NULL AND d.guide_id = %s AND {decl_filter}
),
rs AS (
  SELECT reviewer_id, total_sum / n AS m, total_sq / n - (total_sum / n) * (total_sum / n) AS v
  FROM {_RS} WHERE guide_id = %s AND n > 0
),
rz AS (
  SELECT r.decl_id, r.t, CASE WHEN rs.v > 1e-9 THEN (r.t - rs.m) / SQRT(rs.v) ELSE 0.0 END AS z
  FROM r JOIN rs ON rs.reviewer_id = r.reviewer_id
),
agg AS (
  SELECT decl_id, COUNT(*) AS n, SUM(t) AS s, MAX(t) AS mx, MIN(t) AS mn, SUM(t * t) AS sq, SUM(z) AS zs
  FROM rz GROUP BY decl_id
),
base AS (
  SELECT d.id AS decl_id, d.guide_id AS guide_id, d.direction_id AS direction_id, COALESCE(agg.n, 0) AS n,
    agg.s AS s, agg.mx AS mx, agg.mn AS mn, agg.sq AS sq, agg.zs AS zs,
    agg.s / agg.n AS mean_raw,
    CASE WHEN agg.n >= {TRIM_FROM} THEN (agg.s - agg.mx - agg.mn) / (agg.n - 2) ELSE agg.s / agg.n END AS trimmed_raw,
    agg.sq / agg.n - (agg.s / agg.n) * (agg.s / agg.n) AS var_raw,
    agg.zs / agg.n AS z_raw
  FROM {_DECL} d LEFT JOIN agg ON agg.decl_id = d.id
  WHERE d.guide_id = %s AND d.state IN (%s, %s, %s) AND {decl_filter}
)
INSERT INTO {_PS} ({columns})
SELECT decl_id, guide_id, direction_id, n, s, mx, mn, sq, zs,
  {_round("mean_raw", 2)},
  {_round("trimmed_raw", 2)},
  {_round("SQRT(CASE WHEN var_raw IS NULL THEN NULL WHEN var_raw > 0 THEN var_raw ELSE 0.0 END)", 2)},
  {_round("z_raw", 3)}
FROM base WHERE 1 = 1
ON CONFLICT (declaration_id) DO UPDATE SET {updates}
"""


def _write_projects(cursor, guide_id, decl_filter, filter_params):
    sql = _project_sql(decl_filter)
    cursor.execute(sql, [Review.State.SUBMITTED, guide_id, *filter_params, guide_id,
                         guide_id, *RANKED_STATES, *filter_params])


_REVIEWER_TOTALS = f"""
  FROM {_REVIEW} rv JOIN {_ASSIGNMENT} a ON a.id = rv.assignment_id JOIN {_DECL} d ON d.id = a.declaration_id
  WHERE rv.state = %s AND rv.total IS NOT NULL AND d.guide_id = {_RS}.guide_id AND a.reviewer_id = {_RS}.reviewer_id"""


def rescore(guide, declaration_ids=(), reviewer_ids=()):
    """Write the stored scores that a change to `declaration_ids` (their reviews or their state) and to the
    reviews of `reviewer_ids` in `guide` affects: the reviewers' totals, then the declarations' rows and those
    of every project the reviewers reviewed in the guide (their z-scores). Call inside the change's transaction.
    Queries: 4 or 5 with reviewers, 2 or 3 without, whatever the size of the guide."""
    guide_id = guide.pk if hasattr(guide, "pk") else guide
    reviewer_ids = sorted(set(reviewer_ids))
    declaration_ids = set(declaration_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        if reviewer_ids:
            ReviewerScore.objects.bulk_create([ReviewerScore(guide_id=guide_id, reviewer_id=r) for r in reviewer_ids],
                                              ignore_conflicts=True)
            list(ReviewerScore.objects.select_for_update().filter(guide_id=guide_id, reviewer_id__in=reviewer_ids)
                 .order_by("pk").values_list("pk", flat=True))
            submitted = Review.State.SUBMITTED
            cursor.execute(
                f"""UPDATE {_RS} SET
                  n = (SELECT COUNT(*) {_REVIEWER_TOTALS}),
                  total_sum = COALESCE((SELECT SUM(CAST(rv.total AS DOUBLE PRECISION)) {_REVIEWER_TOTALS}), 0.0),
                  total_sq = COALESCE((SELECT SUM(CAST(rv.total AS DOUBLE PRECISION) * CAST(rv.total AS DOUBLE PRECISION))
                                       {_REVIEWER_TOTALS}), 0.0)
                WHERE guide_id = %s AND reviewer_id IN ({_in(reviewer_ids)})""",
                [submitted, submitted, submitted, guide_id, *reviewer_ids])
            declaration_ids.update(Review.objects.filter(
                state=submitted, total__isnull=False, assignment__reviewer_id__in=reviewer_ids,
                assignment__declaration__guide_id=guide_id).values_list("assignment__declaration_id", flat=True))
        if not declaration_ids:
            return
        ids = sorted(declaration_ids)
        # Lock the rows (id order); a declaration that left the ranked states (or the guide) loses its row.
        list(ProjectScore.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        ProjectScore.objects.filter(pk__in=ids).exclude(
            declaration__guide_id=guide_id, declaration__state__in=RANKED_STATES).delete()
        _write_projects(cursor, guide_id, f"d.id IN ({_in(ids)})", ids)


def refresh_guide_scores(guide):
    """Rebuild the guide's stored scores from its reviews: every reviewer's totals, every ranked declaration's
    row. For bulk writers (a data migration, the national generator, a restore), not for a page or a service."""
    guide_id = guide.pk if hasattr(guide, "pk") else guide
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_RS} WHERE guide_id = %s", [guide_id])
        cursor.execute(f"DELETE FROM {_PS} WHERE guide_id = %s", [guide_id])
        cursor.execute(
            f"""INSERT INTO {_RS} (guide_id, reviewer_id, n, total_sum, total_sq)
            SELECT %s, a.reviewer_id, COUNT(*), SUM(CAST(rv.total AS DOUBLE PRECISION)),
              SUM(CAST(rv.total AS DOUBLE PRECISION) * CAST(rv.total AS DOUBLE PRECISION))
            FROM {_REVIEW} rv JOIN {_ASSIGNMENT} a ON a.id = rv.assignment_id JOIN {_DECL} d ON d.id = a.declaration_id
            WHERE rv.state = %s AND rv.total IS NOT NULL AND d.guide_id = %s
            GROUP BY a.reviewer_id""", [guide_id, Review.State.SUBMITTED, guide_id])
        _write_projects(cursor, guide_id, "1 = 1", [])


def on_declaration_state_changed(sender, declaration_id, guide_id, old, new, **kwargs):
    """declarations.signals.declaration_state_changed: a declaration entering or leaving the ranked states gets
    or loses its row (its reviews may be back: a recommendation reopened and confirmed again). Between two
    ranked states (publication) nothing the scores read changes."""
    if (old in RANKED_STATES) != (new in RANKED_STATES):
        rescore(guide_id, [declaration_id])


# ---------------------------------------------------------------- reading: the ranking page


def _scores_of(row, final_rank=None, z_rank=None):
    return Scores(row["n"], row["mean"], row["final"], row["std_dev"], row["z"], final_rank, z_rank)


_PAGE_FIELDS = ("pk", "direction_id", "n", "mean", "final", "std_dev", "z")


class _StoredRanking:
    """The ordered ranking of the filtered ranked declarations, as a sequence a Paginator slices: its length
    from the counts, a slice read segment by segment (a direction's ranked rows by score, then its rows short
    of reviews by id), each one range of an index of the stored rows."""

    def __init__(self, qs, segments, order):
        self.qs, self.segments, self.order = qs, segments, order

    def count(self):
        return sum(size for _d, _ranked, size in self.segments)

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("the stored ranking is read by slices")
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        parts, ranked_parts, offset = [], [], 0
        for direction_id, (ranked, min_n), size in self.segments:
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            offset += size
            if lo >= hi:
                continue
            qs = self.qs.filter(direction_id=direction_id) if direction_id is not None else self.qs.filter(
                direction_id__isnull=True)
            if ranked:
                key = "z" if self.order == "z" else "final"
                qs = qs.filter(n__gte=min_n, **{f"{key}__isnull": False}).order_by(f"-{key}", "pk")
            else:
                qs = qs.filter(n__lt=min_n).order_by("pk")
            parts.append(qs.values_list(*_PAGE_FIELDS)[lo:hi].query.sql_with_params())
            ranked_parts.append(ranked)
            if offset >= stop:
                break
        if not parts:
            return []
        # One statement for the page, whatever the number of directions on it: each segment's index range as a
        # derived table (SQLite allows no LIMIT in a member of a compound SELECT), numbered to keep their order.
        sql = " UNION ALL ".join(f"SELECT {i} AS seg, s{i}.* FROM ({q}) s{i}" for i, (q, _p) in enumerate(parts))
        with connection.cursor() as cursor:
            cursor.execute(sql, [p for _q, params in parts for p in params])
            fetched = cursor.fetchall()
        key = 6 if self.order == "z" else 4  # the score column of the order, in _PAGE_FIELDS after seg
        fetched.sort(key=lambda r: (r[0], -r[key] if ranked_parts[r[0]] else 0.0, r[1]))
        return [dict(zip(_PAGE_FIELDS, r[1:])) for r in fetched]


def ranking_page_rows(guide, *, page=1, per_page=200, order="final", directions=None, **filters):
    """One page of the ranking read from the stored scores, its Paginator page, and the number of ranked
    declarations per direction under the filters other than the direction (the page's tabs).

    The same rows, order and ranks as review.queries.ranking_page_rows (from scratch), in a few queries whose
    cost follows the page, not the guide: the counts per direction and number of reviews (an index range), the
    page's rows (one index range per direction on the page), the ranks of its rows (over the stored rows of
    the directions on the page), and the page's declarations.
    """
    directions = list(Direction.objects.filter(guide=guide) if directions is None else directions)
    by_id = {d.pk: d for d in directions}
    qs = ProjectScore.objects.filter(guide=guide)
    if filters.get("panel") is not None:
        qs = qs.filter(direction__panels=filters["panel"])
    if filters.get("unit") is not None:
        qs = qs.filter(declaration__unit=filters["unit"])
    if filters.get("region"):
        qs = qs.filter(declaration__organisation__region=filters["region"])
    # Rows per direction and number of reviews (an index range), then each group's panels' minimum (the largest;
    # 1 without a panel): the tabs' counts and the page's segments, in one query.
    grouped, grouped_params = (qs.order_by().values_list("direction_id", "n").annotate(c=Count("pk"))
                               .query.sql_with_params())
    through, panel = Panel.directions.through._meta.db_table, Panel._meta.db_table
    counts, ranked_counts, min_n = {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT g.direction_id, g.n, (SELECT MAX(p.min_reviews) FROM {through} pd
                             JOIN {panel} p ON p.id = pd.panel_id WHERE pd.direction_id = g.direction_id
                             AND p.guide_id = %s), g.c FROM ({grouped}) g""", [guide.pk, *grouped_params])
        grouped_rows = cursor.fetchall()
    for direction_id, n, m, c in grouped_rows:
        counts[direction_id] = counts.get(direction_id, 0) + c
        min_n[direction_id] = m or 1
        if n >= min_n.get(direction_id, 1):
            ranked_counts[direction_id] = ranked_counts.get(direction_id, 0) + c
    direction = filters.get("direction")
    shown = [direction.pk] if direction is not None else list(counts)
    shown.sort(key=lambda d: (by_id[d].order, d) if d in by_id else (0, 0))  # ranking()'s order of directions
    segments = []
    for d in shown:
        m, ranked = min_n.get(d, 1), ranked_counts.get(d, 0)
        segments += [(d, (True, m), ranked), (d, (False, m), counts.get(d, 0) - ranked)]
    page_obj = Paginator(_StoredRanking(qs, segments, order), per_page).get_page(page)
    stored = page_obj.object_list
    ranks = _ranks(guide, {r["direction_id"] for r in stored}, min_n, [r["pk"] for r in stored])
    scores = {r["pk"]: _scores_of(r, *ranks.get(r["pk"], (None, None))) for r in stored}
    rows = ranking(guide, order=order, declaration_ids=list(scores), scores=scores, directions=by_id,
                   **filters) if stored else []
    return rows, page_obj, counts


def stored_scores(guide, declaration_ids):
    """{declaration id: Scores} of ranked declarations from their stored rows, ranked within their directions:
    what guide_scores gives for them, without computing the guide (a project's review page). One query over
    the stored rows of their directions."""
    ids = list(declaration_ids)
    if not ids:
        return {}
    through, panel = Panel.directions.through._meta.db_table, Panel._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
SELECT * FROM (SELECT declaration_id, n, mean, final, std_dev, z,
  CASE WHEN rankable = 1 THEN RANK() OVER (PARTITION BY direction_id, rankable ORDER BY final DESC) END AS fr,
  CASE WHEN rankable = 1 THEN RANK() OVER (PARTITION BY direction_id, rankable ORDER BY z DESC) END AS zr
FROM (
  SELECT ps.declaration_id, ps.direction_id, ps.n, ps.mean, ps.final, ps.std_dev, ps.z,
    CASE WHEN ps.n >= COALESCE(pm.m, 1) THEN 1 ELSE 0 END AS rankable
  FROM {_PS} ps LEFT JOIN (
    SELECT pd.direction_id AS direction_id, MAX(p.min_reviews) AS m FROM {through} pd
    JOIN {panel} p ON p.id = pd.panel_id WHERE p.guide_id = %s GROUP BY pd.direction_id
  ) pm ON pm.direction_id = ps.direction_id
  WHERE ps.guide_id = %s AND (ps.direction_id IS NULL OR ps.direction_id IN (
    SELECT direction_id FROM {_PS} WHERE declaration_id IN ({_in(ids)})))
) rows_of_directions) ranked WHERE declaration_id IN ({_in(ids)})""", [guide.pk, guide.pk, *ids, *ids])
        return {row[0]: Scores(int(row[1]), *row[2:6], *(None if v is None else int(v) for v in row[6:8]))
                for row in cursor.fetchall()}


def _ranks(guide, direction_ids, min_n, ids):
    """{declaration id: (final rank, z rank)} of `ids`: RANK() over the ranked stored rows of their directions
    (ties share a rank), as the reference ranks them, whatever filter chose the page."""
    if not ids or not direction_ids:
        return {}
    wanted, params = [], [guide.pk]
    for d in direction_ids:
        if d is None:  # an odd row without a direction: ranked among those, as the reference does
            wanted.append("(direction_id IS NULL AND n >= 1)")
        else:
            wanted.append("(direction_id = %s AND n >= %s)")
            params += [d, min_n.get(d, 1)]
    wanted = " OR ".join(wanted)
    with connection.cursor() as cursor:
        cursor.execute(f"""
SELECT declaration_id, final_rank, z_rank FROM (
  SELECT declaration_id,
    RANK() OVER (PARTITION BY direction_id ORDER BY final DESC) AS final_rank,
    RANK() OVER (PARTITION BY direction_id ORDER BY z DESC) AS z_rank
  FROM {_PS} WHERE guide_id = %s AND final IS NOT NULL AND z IS NOT NULL AND ({wanted})
) ranked WHERE declaration_id IN ({_in(ids)})""", [*params, *ids])
        return {pk: (int(f), int(z)) for pk, f, z in cursor.fetchall()}
