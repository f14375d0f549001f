"""Every view says who may call it through the one gate, core.decorators.permission_required.

The URL configuration is walked; a view without the gate fails unless it is listed below as public (with why),
and every permission a gate names must be a registered django-rules permission (a typo would deny everybody).
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from core.decorators import permission_required

# Pages anybody may open, by URL name. Keep each reason short and true.
PUBLIC = {
    "home": "the landing page; a signed-in user is sent on to their role's workspace",
    "ping": "liveness probe for load balancers",
    "core:health": "health checks for the operator's monitoring",
    "register": "an applicant organisation creates its account",
    "documents:verify": "what a QR code on paper points at",
    "declarations:guide_notice": "a published guide's notice is public",
    "declarations:guide_template": "a published guide's template is public",
    "review:results": "published review results", "review:results_guide": "published review results",
    "demonstration:results": "published demonstration results",
    "demonstration:results_round": "published demonstration results",
}
# Django's own account views (django.contrib.auth.urls): Django decides who may call them.
DJANGO_AUTH = {"login", "logout", "password_change", "password_change_done", "password_reset",
               "password_reset_done", "password_reset_confirm", "password_reset_complete"}


def _views():
    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # Django's admin, staff-only by Django's own checks
                yield from walk(p.url_patterns, f"{ns}:{p.namespace}" if ns and p.namespace else p.namespace or ns)
            elif isinstance(p, URLPattern):
                yield (f"{ns}:{p.name}" if ns else p.name), p.callback

    return list(walk(get_resolver().url_patterns))


def test_every_view_goes_through_permission_required():
    ungated = sorted({name for name, view in _views()
                      if name not in PUBLIC and name not in DJANGO_AUTH and not getattr(view, "permissions", None)})
    assert not ungated, f"wrap these views in core.decorators.permission_required (or list them as public): {ungated}"


def test_public_pages_are_listed_honestly():
    views = dict(_views())
    assert not [n for n in set(PUBLIC) | DJANGO_AUTH if n not in views], "a public entry names no URL any more"
    gated = [n for n in PUBLIC if getattr(views[n], "permissions", None)]
    assert not gated, f"these are gated, so not public: {gated}"


def test_every_named_permission_exists():
    unknown = sorted({(name, perm) for name, view in _views() for perm in getattr(view, "permissions", ())
                      if not rules.perm_exists(perm)})
    assert not unknown, f"no such django-rules permission: {unknown}"


# --- the gate itself -----------------------------------------------------------------------------


@pytest.fixture
def rf_user(personas):
    def make(user, path="/x/"):
        request = RequestFactory().get(path)
        request.user = user or AnonymousUser()
        return request
    return make


def _seen(request, obj=None, **kwargs):
    return HttpResponse(f"seen {getattr(obj, 'pk', '')}")


def test_anonymous_users_are_sent_to_sign_in(rf_user):
    response = permission_required("core.ministry")(_seen)(rf_user(None, "/manage/x/"))
    assert response.status_code == 302 and "next=/manage/x/" in response["Location"]


def test_a_role_wide_permission_refuses_other_roles_with_403(rf_user, personas):
    view = permission_required("core.ministry")(_seen)
    assert view(rf_user(personas.admin)).status_code == 200
    with pytest.raises(PermissionDenied):
        view(rf_user(personas.applicant_a))


def test_an_object_permission_answers_404_for_a_missing_or_foreign_object(rf_user, personas):
    from core.models import Notification

    note = Notification.objects.create(user=personas.applicant_a, kind="x", title="t")
    view = permission_required("core.open_notification",
                               fetch=lambda request, pk: Notification.objects.filter(pk=pk).first())(_seen)
    assert view(rf_user(personas.applicant_a), pk=note.pk).content == f"seen {note.pk}".encode()
    with pytest.raises(Http404):
        view(rf_user(personas.applicant_b), pk=note.pk)  # exists, but not theirs: the same answer as missing
    with pytest.raises(Http404):
        view(rf_user(personas.applicant_a), pk=note.pk + 1000)
