"""Benchmark (not a test): peak memory of a worker building the ranking or audit exports.

    createdb -T pilotdecl_scale_300k pilotdecl_exports   # a copy: the run adds Export rows and files
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_exports MEDIA_ROOT=/tmp/export-bench \\
        .venv/bin/python bench/export_memory.py ranking|ranking_as_list|audit_csv|audit_xlsx [--guide 1]

Each run is one fresh process (peak resident memory is per process): `ranking`, `audit_csv` and
`audit_xlsx` build the export as the worker does (core.exports.build_export); `ranking_as_list` is what
the ranking builder did before, the whole ranking as a list, for comparison. The audit exports need
records: the 300k year has few, add some with SQL (generate_series) first.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ranking", "ranking_as_list", "audit_csv", "audit_xlsx"])
    parser.add_argument("--guide", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG=1 only to start without production secrets: no query log in memory
    from django.contrib.auth import get_user_model

    from core import spreadsheet
    from core.exports import build_export
    from core.models import Export
    from declarations.models import Guide
    from review.exports import ranking_rows
    from review.queries import ranking

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.time()
    if args.mode == "ranking_as_list":
        rows = ranking(Guide.objects.get(pk=args.guide))
        wb, add_sheet = spreadsheet.workbook()
        ws = add_sheet("x")
        for row in ranking_rows(rows, 10.0):
            ws.append(row)
        with tempfile.TemporaryFile() as out:
            spreadsheet.save_to(wb, out)
        n = len(rows)
    else:
        kind, params = {"ranking": ("review_ranking", {"guide": args.guide, "query": ""}),
                        "audit_csv": ("audit_csv", {"query": ""}),
                        "audit_xlsx": ("audit_xlsx", {"query": ""})}[args.mode]
        user = get_user_model().objects.filter(is_staff=True).first()
        export = Export.objects.create(user=user, kind=kind, params=params)
        build_export(export.pk)
        export.refresh_from_db()
        assert export.state == Export.State.DONE, export.error
        n = export.row_count
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.mode}: {n} rows, {time.time() - started:.1f} s, peak RSS {peak:.0f} MB "
          f"({peak - base:+.0f} MB over the process after setup, {base:.0f} MB)")


if __name__ == "__main__":
    main()
