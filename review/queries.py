"""Named query builders of the review: scoping, aggregates and the ranking.

Everything is computed in the database with functions that give the same numbers on
SQLite and PostgreSQL: no Median / StdDev aggregates (SQLite has neither, and Django
would not warn). The standard deviation is the population one, sqrt(avg(x²) − avg(x)²);
the trimmed mean drops one highest and one lowest total when there are at least five
reviews: (sum − max − min) / (n − 2). Values are rounded to 2 decimals before ranking,
so floating-point noise cannot break a tie differently on the two databases.
"""

from django.db.models import (
    Avg, Case, Count, DecimalField, ExpressionWrapper, F, FloatField, IntegerField, Max, Min, OuterRef, Q,
    Subquery, Sum, Value, When, Window,
)
from django.db.models.functions import Cast, Coalesce, FirstValue, Greatest, Rank, Round, Sqrt

from declarations.models import Declaration

from .conflicts import conflict_reason, declared_conflict_ids
from .models import Assignment, Review, ReviewerProfile

TRIM_FROM = 5  # 去掉一个最高分和一个最低分 from this many reviews on


def _f(expr):
    return Cast(expr, FloatField())


def _submitted(**filters):
    return Review.objects.filter(state=Review.State.SUBMITTED, **filters)


def _agg(agg, decl_ref="pk"):
    """A scalar subquery aggregating the submitted review totals of the outer declaration."""
    return Subquery(
        _submitted(assignment__declaration=OuterRef(decl_ref))
        .values("assignment__declaration").annotate(v=agg).values("v")[:1])


def _reviewer_stats(stat):
    """avg(total) or avg(total²) of the outer review's reviewer over that guide's submitted reviews."""
    expr = Avg(_f("total")) if stat == "mean" else Avg(_f("total") * _f("total"))
    return Subquery(
        _submitted(assignment__reviewer=OuterRef("assignment__reviewer"),
                   assignment__declaration__guide=OuterRef("assignment__declaration__guide"))
        .values("assignment__reviewer").annotate(v=expr).values("v")[:1], output_field=FloatField())


def reviews_with_z():
    """Submitted reviews annotated with the reviewer's mean / std dev and the review's z-score.

    z = (total − reviewer mean) / reviewer std dev, within the guide. A reviewer with fewer
    than two reviews or no spread gets z = 0 (nothing to correct).
    """
    qs = _submitted().annotate(r_mean=_reviewer_stats("mean"), r_sq=_reviewer_stats("sq"))
    qs = qs.annotate(r_var=Greatest(F("r_sq") - F("r_mean") * F("r_mean"), Value(0.0)))
    qs = qs.annotate(r_sd=Sqrt(F("r_var")))
    return qs.annotate(z=Case(
        When(r_var__gt=1e-9, then=(_f("total") - F("r_mean")) / F("r_sd")),
        default=Value(0.0), output_field=FloatField()))


def _round(expr, places):
    """ROUND that works on both databases (PostgreSQL has ROUND(numeric, int) only), as a float."""
    return Cast(Round(Cast(expr, DecimalField(max_digits=20, decimal_places=6)), places), FloatField())


def _fw(expr):
    return ExpressionWrapper(expr, output_field=FloatField())


def annotate_aggregates(qs):
    """Per declaration: n, mean, trimmed mean, std dev, mean z-score, and the score used for ranking."""
    qs = qs.annotate(
        n_reviews=Coalesce(_agg(Count("id")), 0, output_field=IntegerField()),
        s_sum=_agg(Sum(_f("total"))),
        s_max=_agg(Max(_f("total"))),
        s_min=_agg(Min(_f("total"))),
        s_sq=_agg(Avg(_f("total") * _f("total"))),
        z_mean=Subquery(
            reviews_with_z().filter(assignment__declaration=OuterRef("pk"))
            .values("assignment__declaration").annotate(v=Avg("z")).values("v")[:1], output_field=FloatField()),
    )
    qs = qs.annotate(s_mean=_fw(F("s_sum") / _f("n_reviews")))
    qs = qs.annotate(
        mean=Case(When(n_reviews__gt=0, then=_round(F("s_mean"), 2)), default=None, output_field=FloatField()),
        trimmed=Case(
            When(n_reviews__gte=TRIM_FROM, then=_round(
                _fw((F("s_sum") - F("s_max") - F("s_min")) / _f(F("n_reviews") - 2)), 2)),
            When(n_reviews__gt=0, then=_round(F("s_mean"), 2)),
            default=None, output_field=FloatField()),
        std_dev=Case(When(n_reviews__gt=0, then=_round(Sqrt(Greatest(
            _fw(F("s_sq") - F("s_mean") * F("s_mean")), Value(0.0))), 2)),
            default=None, output_field=FloatField()),
        z_score=_round(F("z_mean"), 3),
    )
    return qs.annotate(final=F("trimmed"))


def ranking(guide, *, panel=None, direction=None, unit=None, region=None, order="final"):
    """Recommended (and, after publication, selected / not selected) declarations of a guide, ranked per direction.

    Ranks are computed over the whole direction; the unit and region filters only hide
    rows (they act on window values, so the database applies them after ranking).
    order: "final" (trimmed mean) or "z" (normalised).
    """
    qs = Declaration.objects.filter(
        guide=guide, state__in=[Declaration.State.RECOMMENDED, Declaration.State.SELECTED,
                                Declaration.State.NOT_SELECTED])
    if panel is not None:
        qs = qs.filter(direction__panels=panel)
    if direction is not None:
        qs = qs.filter(direction=direction)
    qs = annotate_aggregates(qs).select_related("organisation", "unit", "direction", "selection")
    key = "z_score" if order == "z" else "final"
    qs = qs.annotate(
        rank=Window(Rank(), partition_by=[F("direction_id")], order_by=[F(key).desc(nulls_last=True)]),
        z_rank=Window(Rank(), partition_by=[F("direction_id")], order_by=[F("z_score").desc(nulls_last=True)]),
        final_rank=Window(Rank(), partition_by=[F("direction_id")], order_by=[F("final").desc(nulls_last=True)]),
    )
    if unit is not None:
        qs = qs.annotate(w_unit=Window(FirstValue("unit_id"), partition_by=[F("pk")])).filter(w_unit=unit.pk)
    if region:
        qs = qs.annotate(w_region=Window(FirstValue("organisation__region"), partition_by=[F("pk")])).filter(
            w_region=region)
    return qs.order_by("direction__order", "direction_id", "rank", "pk")


def reviewer_assignments(user):
    """The reviewer's active assignments that the conflict rule still allows, with what the queue shows.

    One query for the rows plus one for the reviewer's declared conflicts, whatever the count.
    """
    profile = ReviewerProfile.objects.filter(user=user).prefetch_related("conflicts").first()
    if profile is None:
        return profile, []
    conflict_ids = declared_conflict_ids(profile)
    rows = (Assignment.objects.filter(reviewer=user, state=Assignment.State.ACTIVE)
            .select_related("declaration__organisation", "declaration__unit", "declaration__direction",
                            "declaration__guide__review_settings", "review")
            .order_by("-declaration__guide__year", "declaration__direction__order", "declaration_id"))
    allowed = []
    for a in rows:
        cfg = getattr(a.declaration.guide, "review_settings", None)
        region_switch = bool(cfg and cfg.region_conflict)
        if not conflict_reason(profile, a.declaration, region_switch=region_switch, conflict_ids=conflict_ids):
            allowed.append(a)
    return profile, allowed


def assignment_overview(guide):
    """The assignment table of a guide: recommended declarations with all their assignments in 2 queries."""
    from django.db.models import Prefetch

    return (Declaration.objects.filter(guide=guide, state__in=[Declaration.State.RECOMMENDED,
                                                               Declaration.State.SELECTED,
                                                               Declaration.State.NOT_SELECTED])
            .select_related("organisation", "direction", "unit")
            .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related(
                "reviewer__reviewer_profile", "review").prefetch_related("reviewer__reviewer_profile__conflicts")
                .order_by("pk")))
            .annotate(n_active=Count("assignments", filter=Q(assignments__state=Assignment.State.ACTIVE)),
                      n_done=Count("assignments", filter=Q(assignments__review__state=Review.State.SUBMITTED)))
            .order_by("direction__order", "pk"))


def guide_progress(guide):
    a = Assignment.objects.filter(declaration__guide=guide)
    return {
        "declarations": Declaration.objects.filter(guide=guide, state=Declaration.State.RECOMMENDED).count(),
        "assignments": a.filter(state=Assignment.State.ACTIVE).count(),
        "declined": a.filter(state=Assignment.State.DECLINED).count(),
        "submitted": a.filter(review__state=Review.State.SUBMITTED).count(),
    }


__all__ = ["annotate_aggregates", "ranking", "reviews_with_z", "reviewer_assignments", "assignment_overview",
           "guide_progress", "DecimalField"]


def declaration_history(declaration):
    """The declaration's own records plus the review steps about it (which target its guide)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditRecord

    ct = ContentType.objects.get_for_model(declaration)
    return (AuditRecord.objects.filter(Q(target_type=ct, target_id=str(declaration.pk))
                                       | Q(action__startswith="review.", data__declaration=declaration.pk))
            .select_related("actor"))
