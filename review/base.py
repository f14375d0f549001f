"""What every review step shares: the error a refused request raises and the audit record of a step.

`ReviewError` carries a message for the user (and per-field errors for forms); `record_on` audits a step
about one declaration against its guide, so nothing shows in the declaration's own history before
publication. Every public function of the review services is one transaction with one audit record.
"""



from core.audit import record


class ReviewError(Exception):
    """A request the review rules refuse; the message is for the user."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def record_on(declaration, action, **kwargs):
    """Audit a review step about one declaration. The record targets the guide, not the declaration,
    so the declaration's history that applicants and units read shows nothing before publication
    (decide, then release); review.queries.declaration_history finds it through data["declaration"]."""
    data = {"declaration": declaration.pk, **(kwargs.pop("data", None) or {})}
    return record(action, target=declaration.guide, data=data, **kwargs)
