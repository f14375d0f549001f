"""Who may do what with the applicant's objects. The one place for these checks.

Views find the object through declarations.queries (another organisation's
declaration answers 404) and ask these permissions for what the page offers;
the services check the same state and deadline again when the change is made.
"""

import rules


@rules.predicate
def is_ministry(user):
    return user.is_authenticated and user.is_ministry


@rules.predicate
def is_own_declaration(user, declaration):
    return (user.is_authenticated and user.is_applicant and declaration is not None
            and declaration.organisation_id == user.organisation_id)


@rules.predicate
def is_editable(user, declaration):
    return declaration is not None and declaration.is_editable


@rules.predicate
def is_submitted(user, declaration):
    return declaration is not None and declaration.state == declaration.State.SUBMITTED


@rules.predicate
def before_applicant_deadline(user, declaration):
    return declaration is not None and not declaration.guide.applicant_deadline_passed()


rules.add_perm("declarations.view_declaration", is_own_declaration | is_ministry)
rules.add_perm("declarations.change_declaration", is_own_declaration)
rules.add_perm("declarations.edit_declaration", is_own_declaration & is_editable & before_applicant_deadline)
rules.add_perm("declarations.withdraw_declaration", is_own_declaration & is_submitted & before_applicant_deadline)
