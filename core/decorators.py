"""Role gates for views. Object-level checks live in each app's rules.py / queries."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def role_required(*checks):
    """Allow a view to users for whom any of the named User properties is true.

    e.g. @role_required("is_applicant"), @role_required("is_ministry").
    Anonymous users go to the login page; signed-in users of another role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(getattr(user, check, False) for check in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


applicant_required = role_required("is_applicant")
unit_required = role_required("is_unit_staff")
reviewer_required = role_required("is_reviewer")
ministry_required = role_required("is_ministry")


def permission_gate(perm):
    """Allow a view to users holding the django-rules permission `perm` (no object: a role-wide right).

    Anonymous users go to the login page; signed-in users without it get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
