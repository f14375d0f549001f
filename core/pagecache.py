"""Cached pages for the hottest reads, invalidated by generations ("key-based expiry").

A page opts in with `@cached_page(scopes)`. Its copy is kept per session (with the session's CSRF
secret, the URL and the language) together with the *generation* of every scope the page depends on
("site", "user:12", "org:34", "decl:56", ...), and `PageCacheMiddleware` serves it only while those
generations are unchanged. A write bumps the generation of each scope it touches, so the next request
renders afresh; nothing is ever deleted by hand.

Writes find their scopes in one registry: each app declares, for each of its models, which scopes a
saved or deleted row touches (`depends_on(Model, func)`), or that the model shows on no cached page
(`ignore(Model)`). A model that declares neither bumps "site": an unforeseen write invalidates every
page instead of leaving one stale. Queryset `update()` / `bulk_*()` send no signals, so the services
that use them call `touch(...)` with the same scopes.

A bump happens at once and again after the transaction commits, so a page rendered from rows read
just before the commit cannot outlive it. Only a shared cache (Redis) makes generations agree across
processes: `PAGE_CACHE` is on with Redis, in DEBUG (one process) and in tests, off otherwise.
"""

import hashlib
import time
import uuid
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

SITE = "site"
PREFIX = "pc:"
# A generation nobody asked for in a day may go; asked for again, it starts anew (a miss, never stale).
GENERATION_SECONDS = 86400
_registry = {}  # model class -> function(instance) -> iterable of scopes, or None when ignored


def enabled():
    return getattr(settings, "PAGE_CACHE", False)


def depends_on(model, scopes_of):
    """Declare that a saved or deleted `model` row touches the scopes `scopes_of(instance)` returns."""
    _registry[model] = scopes_of


def ignore(*models):
    """Declare models that show on no cached page (their writes bump nothing)."""
    for model in models:
        _registry[model] = None


def scopes_for_instance(instance):
    model = type(instance)
    if model._meta.proxy:
        model = model._meta.concrete_model
    if model not in _registry:
        return [SITE]
    func = _registry[model]
    return [s for s in func(instance) if s] if func else []


def touch(*scopes):
    """Bump the generations of `scopes` now and once more when the transaction commits."""
    scopes = [s for s in scopes if s]
    if not scopes or not enabled():
        return
    _bump(scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(scopes))


def touch_instances(instances):
    scopes = set()
    for obj in instances:
        scopes.update(scopes_for_instance(obj))
    touch(*sorted(scopes))


def _bump(scopes):
    token = uuid.uuid4().hex[:12]
    try:
        cache.set_many({PREFIX + "g:" + s: token for s in scopes}, GENERATION_SECONDS)
    except Exception:  # a cache outage must not fail the write; copies still end with their timeout
        pass


def _generations(scopes):
    keys = [PREFIX + "g:" + s for s in scopes]
    found = cache.get_many(keys)
    missing = {k: uuid.uuid4().hex[:12] for k in keys if k not in found}
    if missing:
        cache.set_many(missing, GENERATION_SECONDS)
        found.update(missing)
    return [found[k] for k in keys]


def _on_write(sender, instance, **kwargs):
    if kwargs.get("raw") or not enabled():
        return
    touch(*scopes_for_instance(instance))


post_save.connect(_on_write, dispatch_uid="pagecache_save")
post_delete.connect(_on_write, dispatch_uid="pagecache_delete")
m2m_changed.connect(lambda sender, instance, action, **kw: action.startswith("post") and _on_write(sender, instance),
                    dispatch_uid="pagecache_m2m", weak=False)


def valid_until(request, moment):
    """Say that this page's content changes by itself at `moment` (a deadline): no copy outlives it."""
    if moment is None or moment.timestamp() <= time.time():
        return
    current = getattr(request, "_page_valid_until", None)
    if current is None or moment < current:
        request._page_valid_until = moment


def _slot_key(request):
    """The cached copy's key: this session, its CSRF secret, the URL and the language."""
    raw = "|".join([request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
                    request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""), request.get_full_path(), get_language() or ""])
    return PREFIX + "p:" + hashlib.sha256(raw.encode()).hexdigest()


def _cacheable_request(request):
    if request.method != "GET":
        return False
    if not (request.COOKIES.get(settings.SESSION_COOKIE_NAME) and request.COOKIES.get(settings.CSRF_COOKIE_NAME)):
        return False
    # Pending flash messages are shown once: such a response is personal to this request
    # (messages too long for their cookie wait in the session, checked where the session is read).
    return not request.COOKIES.get(getattr(settings, "MESSAGE_COOKIE_NAME", "messages"))


def _session_allows(session):
    return "_messages" not in session


def cached_page(scopes_of, timeout=None):
    """Keep a copy of this GET view's page for the session that saw it, while `scopes_of` stay unchanged.

    `scopes_of(request, *args, **kwargs)` runs after the view's role decorators and returns the scopes
    the page depends on besides "site" and "user:<viewer>" (None: do not keep this one). The copy is
    served by PageCacheMiddleware, before authentication: only to the same session, whose user, auth
    hash and pending messages are checked, and only while no scope's generation has moved. So access
    must be decided by data those scopes cover: the viewer's own writes and permission changes bump
    "user:<id>", jurisdiction and assignment changes bump the declaration's or the unit's scope.
    """
    timeout = timeout or getattr(settings, "PAGE_CACHE_SECONDS", 300)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (not enabled() or not request.user.is_authenticated or not _cacheable_request(request)
                    or not _session_allows(request.session)):
                return view(request, *args, **kwargs)
            scopes = scopes_of(request, *args, **kwargs)
            if scopes is None:
                return view(request, *args, **kwargs)
            scopes = [SITE, f"user:{request.user.pk}", *scopes]
            try:
                gens = _generations(scopes)  # read before rendering: a write after this read wins
            except Exception:
                return view(request, *args, **kwargs)
            response = view(request, *args, **kwargs)
            _store(request, scopes, gens, response, timeout)
            return response

        wrapper.page_cached = True
        return wrapper

    return decorator


def _store(request, scopes, gens, response, timeout):
    if (response.status_code != 200 or response.streaming or response.cookies
            or request.session.modified
            # The page's CSRF tokens must belong to the secret in the viewer's cookie (part of the key).
            or request.META.get("CSRF_COOKIE", request.COOKIES.get(settings.CSRF_COOKIE_NAME))
            != request.COOKIES.get(settings.CSRF_COOKIE_NAME)):
        return
    if hasattr(response, "render") and callable(response.render):
        response.render()
    until = getattr(request, "_page_valid_until", None)
    expires = time.time() + timeout
    if isinstance(until, datetime):
        expires = min(expires, until.timestamp())
    if expires <= time.time() + 1:
        return
    entry = {"user": str(request.user.pk), "hash": request.session.get(HASH_SESSION_KEY), "scopes": scopes,
             "gens": gens, "expires": expires, "response": response}
    try:
        cache.set(_slot_key(request), entry, int(expires - time.time()) + 1)
    except Exception:
        pass


class PageCacheMiddleware:
    """Serve a page kept by `cached_page` without authenticating again or running the view.

    Sits after the session, locale and CSRF middleware and before authentication. A copy is served
    only to the session it was rendered for, while that session is still signed in as the same user
    with the same password hash, has no pending messages, and every generation the page depends on
    is the one it was rendered under; anything else falls through to the normal path.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if enabled() and _cacheable_request(request):
            try:
                response = self._cached(request)
            except Exception:  # a cache outage falls back to rendering
                response = None
            if response is not None:
                return response
        return self.get_response(request)

    def _cached(self, request):
        slot = _slot_key(request)
        # One round trip for the copy and, with Redis-backed sessions, the session it belongs to.
        session_key = None
        if settings.SESSION_ENGINE == "core.sessions":
            from core.sessions import SessionStore

            session_key = SessionStore.cache_key_prefix + request.COOKIES[settings.SESSION_COOKIE_NAME]
        found = cache.get_many([slot, session_key] if session_key else [slot])
        entry = found.get(slot)
        if entry is None or entry["expires"] <= time.time():
            return None
        session = found.get(session_key) if session_key else None
        if session is None:
            session = request.session
        if (session.get(SESSION_KEY) != entry["user"] or session.get(HASH_SESSION_KEY) != entry["hash"]
                or not _session_allows(session)):
            return None
        if _generations(entry["scopes"]) != entry["gens"]:
            return None
        response = entry["response"]
        patch_vary_headers(response, ("Cookie",))
        response["X-Page-Cache"] = "hit"
        return response
