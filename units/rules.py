"""Who belongs to which recommending unit: the "unit of" predicates every app's rules build on (django-rules)."""

import rules


@rules.predicate
def staff_of_unit(user, unit):
    """Staff of this very unit."""
    return unit is not None and user.is_authenticated and user.is_unit_staff and user.unit_id == unit.pk


@rules.predicate
def staff_of_group(user, membership):
    """Staff of the central SOE group a membership request is addressed to."""
    return (membership is not None and user.is_authenticated and user.is_unit_staff
            and membership.group_id == user.unit_id)
