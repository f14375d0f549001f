"""Who may do what with recommending units' objects. The one place for these checks."""

import rules

from .queries import declarations_for_unit


@rules.predicate
def is_unit_staff(user):
    return user.is_authenticated and user.is_unit_staff


@rules.predicate
def is_ministry(user):
    return user.is_authenticated and user.is_ministry


@rules.predicate
def in_jurisdiction(user, declaration):
    if declaration is None or not (user.is_authenticated and user.is_unit_staff):
        return False
    return declarations_for_unit(user).filter(pk=declaration.pk).exists()


@rules.predicate
def declared_to_own_unit(user, declaration):
    return (declaration is not None and user.is_authenticated and user.is_unit_staff
            and declaration.unit_id == user.unit_id)


@rules.predicate
def owns_list(user, rec_list):
    return rec_list is not None and user.is_authenticated and user.is_unit_staff and rec_list.unit_id == user.unit_id


@rules.predicate
def parent_of_list(user, rec_list):
    return (rec_list is not None and user.is_authenticated and user.is_unit_staff
            and rec_list.unit.parent_id == user.unit_id)


@rules.predicate
def staff_of_group(user, membership):
    return (membership is not None and user.is_authenticated and user.is_unit_staff
            and membership.group_id == user.unit_id)


# Seeing one declaration (detail page, attachments, documents): own unit's or sent up by a child.
rules.add_perm("quotas.view_declaration", in_jurisdiction)
# Formal check: only the unit the applicant chose.
rules.add_perm("quotas.check_declaration", declared_to_own_unit)
rules.add_perm("quotas.change_list", owns_list)
rules.add_perm("quotas.view_list", owns_list | parent_of_list | is_ministry)
rules.add_perm("quotas.manage", is_ministry)
rules.add_perm("quotas.decide_membership", staff_of_group)
