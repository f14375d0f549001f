"""The roles as django-rules predicates, defined once; every app's rules.py builds its permissions from them.

A role is a property of the account (core.models.User); these predicates only read it, so they cost no query.
`core.*` permissions cover the pages core itself serves (the ministry's home, dashboards, the audit log,
the inbox and the second-factor pages).
"""

import rules


@rules.predicate
def is_signed_in(user):
    return user.is_authenticated


@rules.predicate
def is_applicant(user):
    return user.is_authenticated and user.is_applicant


@rules.predicate
def is_unit_staff(user):
    return user.is_authenticated and user.is_unit_staff


@rules.predicate
def is_reviewer(user):
    return user.is_authenticated and user.is_reviewer


@rules.predicate
def is_ministry(user):
    return user.is_authenticated and user.is_ministry


@rules.predicate
def owns_notification(user, notification):
    return notification is not None and user.is_authenticated and notification.user_id == user.pk


@rules.predicate
def requested_export(user, export):
    """An export file is for the one who asked for it."""
    return export is not None and user.is_authenticated and export.user_id == user.pk


rules.add_perm("core.signed_in", is_signed_in)
rules.add_perm("core.ministry", is_ministry)
rules.add_perm("core.open_notification", owns_notification)
rules.add_perm("core.view_export", requested_export)
