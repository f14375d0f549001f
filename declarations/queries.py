"""Querysets scoped to what a user may see, shared by views, exports and dashboards."""

from .models import Declaration


def declarations_of_applicant(user):
    if not (user.is_authenticated and user.is_applicant):
        return Declaration.objects.none()
    return Declaration.objects.filter(organisation_id=user.organisation_id)


def declaration_page_queryset():
    """Everything a declaration page shows, in a fixed number of queries."""
    return Declaration.objects.select_related(
        "guide", "organisation", "unit", "direction__category").prefetch_related("extra_directions", "attachments")
