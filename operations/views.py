"""The ministry's own pages: its home, the dashboard of a guide, and the list the dashboard's numbers open."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.decorators import permission_required
from core.pagination import BadCursor, keyset_page, query_without, refuse_cursor
from core.regions import REGION_NAMES
from declarations.models import Declaration, Guide
from declarations.queries import first_guide_with_work, guides_with_open_declarations

from . import dashboard as dash

PAGE_SIZE = 50
DECLARATION_ORDER = [("id", False)]
# Counted exactly up to here; beyond, "more than" (an exact count of 300,000 rows costs what a page should).
COUNT_CAP = 10000


@permission_required("operations.ministry")
def ministry_home(request):
    return render(request, "operations/ministry_home.html")


def _pick_guide(request):
    guides = list(Guide.objects.order_by("-year", "-id"))  # a handful of rows: the picked one needs no second read
    wanted = request.GET.get("guide")
    guide = None
    if wanted:
        if not wanted.isdigit():
            raise Http404
        guide = next((g for g in guides if g.pk == int(wanted)), None)
        if guide is None:
            raise Http404
    else:
        published = Guide.objects.published().order_by("-year", "-id")
        guide = first_guide_with_work(published, guides_with_open_declarations()) or (guides[0] if guides else None)
    if guide is not None:
        guide = next((g for g in guides if g.pk == guide.pk), None) or Guide.objects.get(pk=guide.pk)
    return guides, guide


@permission_required("operations.ministry")
def admin_dashboard(request):
    guides, guide = _pick_guide(request)
    context = {"guides": guides, "guide": guide, "now": timezone.now()}
    if guide is not None:
        data = dash.summary(guide)
        context.update(data)
        context["chart_data"] = {
            "states": {"labels": [s["label"] for s in data["states"]], "values": [s["n"] for s in data["states"]]},
            "directions": {"labels": [d["label"] for d in data["directions"]],
                           "values": [d["n"] for d in data["directions"]]},
            "tiles": dash.region_tiles(data["regions"]),
            "list_url": reverse("operations:declarations") + f"?guide={guide.pk}",
            "review": {
                "panels": [{"label": p.name, "done": p.done, "total": p.total} for p in data["panels"] or []],
                "directions": [{"label": d["label"], "done": d["done"], "total": d["total"]}
                               for d in data["review_directions"] or []],
            },
        }
    return render(request, "operations/dashboard.html", context)


@permission_required("operations.ministry")
def admin_declarations(request):
    """The list the dashboard's numbers link to: same filters, same queryset."""
    guides, guide = _pick_guide(request)
    if guide is None:
        raise Http404
    state = request.GET.get("state") or None
    if state and state not in Declaration.State.values:
        state = None
    direction = request.GET.get("direction")
    direction = int(direction) if direction and direction.isdigit() else None
    region = request.GET.get("region") if request.GET.get("region") in REGION_NAMES else None
    qs = (dash.admin_declarations(guide, state=state, direction=direction, region=region)
          .select_related("organisation", "direction", "unit")
          # Only what the table shows: a declaration's full row carries every text of the application.
          .only("project_name", "state", "submitted_at", "organisation__name", "organisation__region",
                "direction__code", "direction__name", "unit__name"))
    # Keyset pages in id order (the order of declaration numbers): the guide's indexes on (guide, id),
    # (guide, state, id) and (guide, direction, id) serve page 1 and page 5,000 alike.
    try:
        page = keyset_page(qs, DECLARATION_ORDER, request.GET.get("cursor"), PAGE_SIZE, "operations.declarations")
    except BadCursor:
        return refuse_cursor(request)
    return render(request, "operations/declarations.html", {"query": query_without(request, "cursor"),
        "guide": guide, "guides": guides, "page": page, "count": qs.order_by()[:COUNT_CAP + 1].count(),
        "count_cap": COUNT_CAP, "state": state, "direction": direction, "region": region,
        "state_label": Declaration.State(state).label if state else "",
        "region_label": REGION_NAMES.get(region, ""),
        "direction_obj": guide.directions.filter(pk=direction).first() if direction else None})
