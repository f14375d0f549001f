"""Querysets scoped to what a user may see, shared by views, exports and dashboards."""

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404

from .guide_cache import attach_direction
from .models import Attachment, Declaration, Direction

CONFIRMED_LIST = "confirmed"  # quotas.RecommendationList.State.CONFIRMED


def with_sent_up(queryset):
    """Annotate `sent_up`: passed by a district whose confirmed list sent it to the parent unit.

    The declaration stays "passed" until the parent decides, so this is what tells the applicant
    (and the units) that it is no longer waiting on the first unit.

    The lists belong to quotas, a floor above: they are reached through the declaration's
    `list_entries` relation (one filter() call, so every condition holds for the same entry).
    """
    sent = Declaration.objects.filter(
        pk=OuterRef("pk"), list_entries__recommended=True, list_entries__rec_list__unit=OuterRef("unit"),
        list_entries__rec_list__unit__parent__isnull=False, list_entries__rec_list__state=CONFIRMED_LIST)
    return queryset.annotate(sent_up=Exists(sent))


def declarations_of_applicant(user):
    if not (user.is_authenticated and user.is_applicant):
        return Declaration.objects.none()
    return Declaration.objects.filter(organisation_id=user.organisation_id)


def own_declaration(user, pk, queryset=None):
    """The applicant's own declaration `pk`, or 404: another organisation's declaration does not exist for it."""
    qs = queryset if queryset is not None else Declaration.objects.all()
    if not (user.is_authenticated and user.is_applicant):
        qs = qs.none()
    return get_object_or_404(qs.filter(organisation_id=user.organisation_id), pk=pk)


def declaration_page_queryset():
    """Everything a declaration page shows, in a fixed number of queries, but the direction and the "sent up" flag:
    `finish_page_declaration` adds them to the one declaration loaded.

    Neither is joined here: a fifth table and the flag's `Exists` (three more tables) made PostgreSQL spend
    2-4 ms planning a query that runs in 0.3 ms, and Django about as long building it."""
    extra = Declaration.extra_directions.through.objects.filter(declaration_id=OuterRef("pk"))
    return Declaration.objects.select_related("guide", "organisation", "unit").annotate(
        has_extra_directions=Exists(extra)).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.select_related("kind")))


def finish_page_declaration(decl):
    """`decl` (from declaration_page_queryset, or None) with its direction from the guide's cached directions and
    `sent_up` as `with_sent_up` computes it, asked only of a passed declaration: no other state shows it."""
    if decl is None:
        return None
    attach_direction(decl)
    # The extra directions (2017 allowed two) read only when the declaration has some: one query less on nearly
    # every page.
    if decl.has_extra_directions:
        prefetch_related_objects([decl], "extra_directions")
    else:
        none = Direction.objects.none()
        none._result_cache, none._prefetch_done = [], True
        decl._prefetched_objects_cache = {**getattr(decl, "_prefetched_objects_cache", {}), "extra_directions": none}
    decl.sent_up = bool(decl.state == Declaration.State.PASSED and decl.unit_id is not None and Declaration.objects.filter(
        pk=decl.pk, list_entries__recommended=True, list_entries__rec_list__unit=decl.unit_id,
        list_entries__rec_list__unit__parent__isnull=False, list_entries__rec_list__state=CONFIRMED_LIST).exists())
    return decl


# Declarations someone still has to act on: the unit (check, rank, confirm) or the ministry (review, select).
OPEN_STATES = (Declaration.State.SUBMITTED, Declaration.State.RETURNED, Declaration.State.PASSED,
               Declaration.State.RECOMMENDED)


def guides_with_open_declarations():
    """Guide ids with a declaration still in progress: what the ministry's pages open on before the newest."""
    return Declaration.objects.filter(state__in=OPEN_STATES).values("guide_id")


def first_guide_with_work(guides, pending_ids):
    """The first of `guides` (a queryset, newest first) among `pending_ids`, else simply the first: people open
    on the guide that has work for them, not on a newer empty one."""
    return guides.filter(pk__in=pending_ids).first() or guides.first()


def declaration_form_queryset():
    """What the edit page and its form use: guide, organisation (the units it may choose) and attachments. No
    unit, direction or "sent up" flag: the form renders those from its own choices; the extra directions are
    read by the form only for a guide that allows them."""
    return Declaration.objects.select_related("guide", "organisation").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.select_related("kind")))
