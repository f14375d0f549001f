"""Querysets scoped to what a user may see, shared by views, exports and dashboards."""

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404

from .models import Attachment, Declaration

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
    """Everything a declaration page shows, in a fixed number of queries."""
    return with_sent_up(Declaration.objects.select_related(
        "guide", "organisation", "unit", "direction").prefetch_related(
        "extra_directions", Prefetch("attachments", queryset=Attachment.objects.select_related("kind"))))


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
