"""Who may do what with the applicant's objects. The one place for these checks."""

import rules


@rules.predicate
def is_ministry(user):
    return user.is_authenticated and user.is_ministry


@rules.predicate
def is_own_declaration(user, declaration):
    return (user.is_authenticated and user.is_applicant and declaration is not None
            and declaration.organisation_id == user.organisation_id)


rules.add_perm("declarations.view_declaration", is_own_declaration | is_ministry)
rules.add_perm("declarations.change_declaration", is_own_declaration)
