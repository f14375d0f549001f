"""Which cached pages a write to a declarations model touches (see core/pagecache.py).

Guides, categories, directions and rules are not listed: their rare edits bump "site".
"""

from core import pagecache
from declarations.models import Attachment, Declaration, Organisation

# States in which a declaration appears in the ministry's ranking.
_UNRANKED = {"draft"}


def declaration_scopes(decl):
    scopes = [f"org:{decl.organisation_id}", f"decl:{decl.pk}"]
    if decl.state not in _UNRANKED:
        scopes.append("ranking")
    return scopes


def _organisation_scopes(org):
    # Every page of the organisation's declarations shows its name, region or DCMM level.
    ids = Declaration.objects.filter(organisation=org).values_list("pk", flat=True)
    return [f"org:{org.pk}", "ranking", *(f"decl:{pk}" for pk in ids)]


def register():
    pagecache.depends_on(Declaration, declaration_scopes)
    pagecache.depends_on(Organisation, _organisation_scopes)
    pagecache.depends_on(Attachment, lambda a: [f"decl:{a.declaration_id}"])
