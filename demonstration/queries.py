"""Named query builders for the demonstration pages (fixed query counts: joins, no per-row queries)."""

from django.db.models import Count, Q

from .models import Demonstration, Rating, Report

REPORT_RELATED = ("round__guide", "declaration__organisation", "declaration__unit", "declaration__direction",
                  "declaration__demonstration")


def reports():
    return Report.objects.select_related(*REPORT_RELATED)


def progress(rnd):
    """Counts per state of the round's reports, plus the spot check's and the status losses."""
    S = Report.State
    agg = rnd.reports.aggregate(
        n_total=Count("pk"), **{f"n_{s}": Count("pk", filter=Q(state=s)) for s in S.values},
        n_sampled=Count("pk", filter=Q(sampled=True)),
        n_concluded=Count("pk", filter=Q(sampled=True) & ~Q(outcome="")),
        n_revoked=Count("pk", filter=Q(declaration__demonstration__status=Demonstration.Status.REVOKED)))
    rated = Rating.objects.filter(report__round=rnd).aggregate(
        n_assigned=Count("pk"), n_submitted=Count("pk", filter=Q(submitted_at__isnull=False)))
    rows = [(S(s).label, agg[f"n_{s}"]) for s in S.values]
    return {"rows": rows, **{k[2:]: v for k, v in {**agg, **rated}.items()}}


def public_result(report):
    """What the public page says about one project."""
    demo = getattr(report.declaration, "demonstration", None)
    if demo is not None and demo.status == Demonstration.Status.REVOKED:
        return "revoked"
    if report.sampled:
        return report.outcome or "pending"
    return "reported"
