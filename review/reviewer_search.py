"""Finding a reviewer for the assignment table by what the admin types: name, username or employer.

The table used to carry each panel's reviewers as one <datalist> per page, which grows with the panel
(hundreds of reviewers at the science-foundation size). Now the page carries none: the input asks
`search_reviewers` (at most SEARCH_LIMIT rows, prefix matches) as the admin types, and without JavaScript
the posted text is resolved by `resolve_reviewer` on the server. Both read the panel's members through the
panel-membership index (panel, user), then each member's user by its key: bounded by the panel, whatever the
number of users. (A direction without a panel offers every reviewer; that lookup reads the user table.)

The reviewers offered are those the datalist offered: the members of the declaration's panel, or every
reviewer when its direction has no panel. Conflicts are not filtered here (the datalist did not filter them
either): the assignment service refuses a conflicted reviewer with its reason.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Panel, ReviewerProfile

SEARCH_LIMIT = 20
CANDIDATES_SHOWN = 5  # names offered in the "ambiguous" message


def reviewers_in_scope(panel):
    """The reviewer profiles a picker for `panel` offers (every reviewer's when `panel` is None)."""
    qs = ReviewerProfile.objects.filter(user__role=get_user_model().Role.REVIEWER)
    if panel is not None:
        qs = qs.filter(user__panels=panel)
    return qs


def _prefix(q):
    # Joined to the user by its key: on a panel the database reads the panel's members, not every user.
    return Q(name__startswith=q) | Q(employer__startswith=q) | Q(user__username__startswith=q)


def search_reviewers(panel, q, limit=SEARCH_LIMIT):
    """At most `limit` reviewers of the panel whose name, username or employer starts with `q`, by name."""
    q = (q or "").strip()
    if not q:
        return []
    rows = (reviewers_in_scope(panel).filter(_prefix(q)).order_by("name", "pk")
            .values_list("user__username", "name", "employer")[:limit])
    return [{"value": username, "label": _("%(name)s（%(employer)s）") % {"name": name, "employer": employer}}
            for username, name, employer in rows]


def _describe(profiles):
    return "、".join(f"{p.name}（{p.employer}，{p.user.username}）" for p in profiles[:CANDIDATES_SHOWN])


def resolve_reviewer(text, panel):
    """The reviewer user the admin meant by `text` among the panel's reviewers: (user, None) or (None, error).

    In order: an exact username (what the search suggestions fill in), an exact name, then a unique prefix of
    name, username or employer. A bare number that matches none of these is taken as a user id, as the
    datalist's values were (the assignment service checks who it is)."""
    text = (text or "").strip()
    if not text:
        return None, _("请输入评审专家的姓名、用户名或工作单位")
    scope = reviewers_in_scope(panel).select_related("user")
    for lookup in (Q(user__username=text), Q(name=text), _prefix(text)):
        found = list(scope.filter(lookup).order_by("name", "pk")[:CANDIDATES_SHOWN + 1])
        if len(found) == 1:
            return found[0].user, None
        if found:
            return None, _("有多位评审专家与“%(text)s”匹配：%(names)s%(more)s。请输入完整的用户名") % {
                "text": text, "names": _describe(found), "more": _("等") if len(found) > CANDIDATES_SHOWN else ""}
    if text.isdigit():
        user = get_user_model().objects.filter(pk=int(text), role=get_user_model().Role.REVIEWER).first()
        if user is not None:
            return user, None
    where = _("评审组“%(panel)s”") % {"panel": panel.name} if panel is not None else _("专家库")
    return None, _("%(where)s中没有与“%(text)s”匹配的评审专家") % {"where": where, "text": text}


def panel_for_search(guide, value):
    """The panel named by the search's `panel` parameter: (panel or None, ok); not ok when it is not the guide's."""
    if not value:
        return None, True
    if not value.isdigit():
        return None, False
    panel = Panel.objects.filter(pk=int(value), guide=guide).first()
    return panel, panel is not None
