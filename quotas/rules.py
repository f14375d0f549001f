"""Who may do what with recommending units' objects. The one place for these checks."""

import rules

from core.rules import is_applicant, is_ministry, is_unit_staff
from units.rules import staff_of_group, staff_of_unit

from .queries import declarations_for_unit


@rules.predicate
def in_jurisdiction(user, declaration):
    if declaration is None or not (user.is_authenticated and user.is_unit_staff):
        return False
    if getattr(declaration, "loaded_in_jurisdiction_of", None) == user.pk:  # read through declarations_for_unit
        return True
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


rules.add_perm("quotas.work_as_unit", is_unit_staff)  # the unit's workspace, ranking and membership requests
rules.add_perm("quotas.apply_membership", is_applicant)
# Seeing one declaration (detail page, attachments, documents): own unit's or sent up by a child.
rules.add_perm("quotas.view_declaration", in_jurisdiction)
# Formal check: only the unit the applicant chose.
rules.add_perm("quotas.check_declaration", declared_to_own_unit)
rules.add_perm("quotas.change_list", owns_list)
rules.add_perm("quotas.view_list", owns_list | parent_of_list | is_ministry)
rules.add_perm("quotas.manage", is_ministry)
rules.add_perm("quotas.decide_membership", staff_of_group)
rules.add_perm("quotas.view_seal", staff_of_unit | is_ministry)
