"""Summary counters of a guide's declarations: how many per (state, direction, region, unit).

The admin dashboard and the quota overview read these few hundred rows instead of grouping the guide's
declarations (14 MB of rows at 5,000 applicants, because every row carries the application's texts).

Kept by the services that write the keys, in the same transaction, not by model signals (`update()` and
`bulk_create()` bypass those): `services.start_declaration` counts a new draft, `services.save_draft` moves a
declaration whose direction or unit changes, `services.transition` (the only writer of Declaration.state) moves
it between states. Bulk paths (the national generator, a restore, the migration that added the table, the
`rebuild_tallies` command) call `rebuild_tallies()`, which replaces a guide's rows by one GROUP BY.

Each change is one INSERT … ON CONFLICT DO UPDATE SET n = n + delta (PostgreSQL and SQLite), the rows in key
order, run as the last statement of the change's transaction: the counter row stays locked only until the
commit that follows, and two changes lock their rows in the same order (no deadlock between them).
Direction and unit are stored as plain integers, 0 for none (a unique constraint treats NULLs as distinct).
"""

from django.db import connection, transaction
from django.db.models import Count

from .models import Declaration, DeclarationTally


def key_of(decl):
    """(guide id, state, direction id or 0, unit id or 0, organisation id) of a declaration as loaded."""
    return (decl.guide_id, decl.state, decl.direction_id or 0, decl.unit_id or 0, decl.organisation_id)


def _apply(deltas):
    """deltas: {(guide, state, direction, unit, organisation): +n/-n}; zero deltas are skipped."""
    rows = sorted((k, d) for k, d in deltas.items() if d)
    if not rows:
        return
    table = DeclarationTally._meta.db_table
    org_table = Declaration._meta.get_field("organisation").related_model._meta.db_table
    values, params = [], []
    for (guide, state, direction, unit, org), delta in rows:
        values.append(f"(%s, %s, %s, COALESCE((SELECT region FROM {org_table} WHERE id = %s), ''), %s, %s)")
        params += [guide, state, direction, org, unit, delta]
    # The rows of one change share the organisation, so their keys stay distinct after the region lookup.
    sql = (f"INSERT INTO {table} (guide_id, state, direction, region, unit, n) VALUES {', '.join(values)} "
           f"ON CONFLICT (guide_id, state, direction, region, unit) DO UPDATE SET n = {table}.n + excluded.n")
    with connection.cursor() as cur:
        cur.execute(sql, params)


def count(decl, delta=1):
    """Add (or with -1 remove) one declaration as it stands; inside the caller's transaction."""
    _apply({key_of(decl): delta})


def move(old_key, new_key):
    """One declaration changed its key from old_key to new_key (as key_of gives them)."""
    if old_key != new_key:
        _apply({old_key: -1, new_key: 1})


def rebuild_tallies(guide=None):
    """Replace the counters of one guide (or of every guide) by a fresh GROUP BY of the declarations."""
    decls = Declaration.objects.all() if guide is None else Declaration.objects.filter(guide=guide)
    tallies = DeclarationTally.objects.all() if guide is None else DeclarationTally.objects.filter(guide=guide)
    with transaction.atomic():
        tallies.delete()
        rows = (decls.order_by().values_list("guide_id", "state", "direction_id", "organisation__region", "unit_id")
                .annotate(n=Count("pk")))
        DeclarationTally.objects.bulk_create(
            [DeclarationTally(guide_id=g, state=s, direction=d or 0, region=r or "", unit=u or 0, n=n)
             for g, s, d, r, u, n in rows.iterator()], batch_size=2000)


def breakdown(guide):
    """[(state, direction id or None, region, unit id or None, n)] of a guide's declarations, from the counters."""
    return [(s, d or None, r, u or None, n) for s, d, r, u, n in
            DeclarationTally.objects.filter(guide=guide, n__gt=0).order_by()
            .values_list("state", "direction", "region", "unit", "n")]


def declared_per_unit(guide):
    """{unit id: declarations past draft} of a guide, from the counters."""
    counts = {}
    for unit, n in (DeclarationTally.objects.filter(guide=guide, n__gt=0, unit__gt=0)
                    .exclude(state=Declaration.State.DRAFT).order_by().values_list("unit", "n")):
        counts[unit] = counts.get(unit, 0) + n
    return counts
