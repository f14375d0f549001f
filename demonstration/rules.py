"""Who may see and do what in the demonstration period. The one place for these checks (django-rules).

Views find objects and ask these permissions (a stranger gets 404); the services check
state and deadlines again when the change is made.
"""

import rules

from core.rules import is_applicant, is_ministry, is_reviewer, is_unit_staff
from declarations.rules import is_own_declaration
from quotas.rules import declared_to_own_unit
from review.models import ReviewerProfile

from .models import Rating
from .spotcheck import expert_conflict


@rules.predicate
def is_report_owner(user, report):
    """The applicant whose declaration the report is about."""
    return report is not None and is_own_declaration(user, report.declaration)


@rules.predicate
def is_report_unit(user, report):
    """The recommending unit the applicant declared to; it checks and sends up the project's reports."""
    return report is not None and declared_to_own_unit(user, report.declaration)


@rules.predicate
def is_report_editable(user, report):
    return report is not None and report.is_editable


@rules.predicate
def is_rating_expert(user, rating):
    """The expert the rating was assigned to, as long as the review's conflict rule allows it."""
    if rating is None or not (user.is_authenticated and user.is_reviewer) or rating.reviewer_id != user.pk:
        return False
    profile = ReviewerProfile.objects.filter(user=user).first()
    return not expert_conflict(profile, rating.report)


@rules.predicate
def rates_report(user, report):
    if report is None or not (user.is_authenticated and user.is_reviewer):
        return False
    rating = Rating.objects.filter(report=report, reviewer=user).select_related("report__declaration").first()
    return rating is not None and is_rating_expert(user, rating)


@rules.predicate
def sees_attachment(user, attachment):
    return attachment is not None and user.has_perm("demonstration.view_attachment", attachment.report)


rules.add_perm("demonstration.view_report", is_report_owner | is_report_unit | is_ministry)
rules.add_perm("demonstration.edit_report", is_report_owner & is_report_editable)
rules.add_perm("demonstration.check_report", is_report_unit)
rules.add_perm("demonstration.view_attachment", is_report_owner | is_report_unit | is_ministry | rates_report)
rules.add_perm("demonstration.rate", is_rating_expert)
rules.add_perm("demonstration.download_attachment", sees_attachment)
rules.add_perm("demonstration.manage", is_ministry)
rules.add_perm("demonstration.write_reports", is_applicant)
rules.add_perm("demonstration.check_reports", is_unit_staff)
rules.add_perm("demonstration.rate_reports", is_reviewer)
