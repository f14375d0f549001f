"""Who may do what with the applicant's objects. The one place for these checks.

Views find the object through declarations.queries (another organisation's
declaration answers 404) and ask these permissions for what the page offers;
the services check the same state and deadline again when the change is made.
"""

import rules

from core.rules import is_applicant, is_ministry

from .access import can_download_original_files


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


@rules.predicate
def may_download_original(user, attachment):
    """An attachment under its original name: whoever may see the declaration and who applied (declarations.access)."""
    return attachment is not None and can_download_original_files(user, attachment.declaration)


@rules.predicate
def is_member_organisation(user, member):
    """A consortium member row answers to the member organisation's own users, not the lead's."""
    return (user.is_authenticated and user.is_applicant and member is not None
            and member.organisation_id == user.organisation_id)


rules.add_perm("declarations.declare", is_applicant)  # the applicant's own pages: dashboard, guides, organisation
rules.add_perm("declarations.manage_guides", is_ministry)
rules.add_perm("declarations.download_attachment", may_download_original)
rules.add_perm("declarations.view_declaration", is_own_declaration | is_ministry)
rules.add_perm("declarations.change_declaration", is_own_declaration)
rules.add_perm("declarations.answer_consortium", is_member_organisation)
rules.add_perm("declarations.edit_declaration", is_own_declaration & is_editable & before_applicant_deadline)
rules.add_perm("declarations.withdraw_declaration", is_own_declaration & is_submitted & before_applicant_deadline)
