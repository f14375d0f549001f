"""The one gate in front of every view: a django-rules permission, optionally asked about the page's object.

Who may call a view is written at its top as `@permission_required("<app>.<perm>")`; the predicates live in
each app's rules.py (the roles in core/rules.py). tests/core/test_every_view_is_gated.py walks the URL
configuration and fails on a view without this gate that is not listed there as public.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404


def permission_required(perm, fetch=None):
    """Allow the view to users holding the django-rules permission `perm`.

    Anonymous users go to the login page. Without `fetch` the permission is role-wide: a signed-in user
    without it gets 403. With `fetch`, `fetch(request, **url_kwargs)` finds the object first (None or
    DoesNotExist: 404) and the permission is asked about it; a user without it gets 404 as well, so a page
    never tells a stranger whether the object exists. The view is then called as
    `view(request, obj, **url_kwargs)`. Stack a role-wide gate over an object gate where the other roles
    should see 403, as they always have.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if fetch is None:
                if not user.has_perm(perm):
                    raise PermissionDenied
                return view(request, *args, **kwargs)
            try:
                obj = fetch(request, *args, **kwargs)
            except ObjectDoesNotExist:
                obj = None
            if obj is None or not user.has_perm(perm, obj):
                raise Http404
            return view(request, obj, *args, **kwargs)

        wrapper.permissions = (perm, *getattr(view, "permissions", ()))
        return wrapper

    return decorator
