"""Issue 14: every list page at 5k, 50k and 300k applicants, in one run.

Usage (PostgreSQL on 127.0.0.1; the databases are made or reused):
    .venv/bin/python bench/scale.py [--sizes 5k,50k,300k] [--renders 9] [--rebuild] [--build-only]

For each size a database pilotdecl_scale_<size> (--db-prefix changes the first part) is created if missing, migrated, and filled once with
`manage.py generate_national --applicants N --ranked 0.1 --reviewers N/100` (the same shape at every size:
a tenth of the applicants ranked, a hundred applicants per reviewer). The generator's wall time and peak
memory (resource.getrusage of the child) are kept as the database's comment, so a reused database still
reports them. Then, size by size in a child process, every list page is rendered with Django's test client
(median of --renders renders after one warm-up, as bench/pages.py does), and each list query is EXPLAINed:
at the largest size no plan may hold a Seq Scan on declarations. Printed at the end: ms, KB and queries per
page and size, the cost ratio largest/smallest (target ≤ 1.5×), page size (target ≤ 200 KB).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
SIZES = {"5k": 5000, "50k": 50000, "300k": 300000}
PG = os.environ.get("SCALE_PG", "postgres://postgres@127.0.0.1:5432")
RANKED = 0.1
PREFIX = "pilotdecl_scale"  # --db-prefix: another name keeps a helper's databases apart from the lead's
RATIO_TARGET = 1.5
KB_TARGET = 200


def db_url(label):
    return f"{PG}/{PREFIX}_{label}"


def _admin_sql(sql, params=None, dbname="postgres", fetch=False):
    import psycopg

    with psycopg.connect(f"{PG}/{dbname}", autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if fetch else None


def _manage(label, *args, capture=False):
    env = dict(os.environ, DATABASE_URL=db_url(label), DEBUG="0", SECRET_KEY="bench-only-" + "x" * 50,
               SIGNING_P12_PASSWORD="demo-signer", OTP_REQUIRED_ROLES="", AXES_ENABLED="0", LOG_LEVEL="ERROR")
    env.pop("TESTING", None)
    cmd = [sys.executable, "manage.py", *args]
    if capture:
        return subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def build(label, rebuild=False):
    """Create, migrate and fill the size's database unless it holds that size already; returns build figures."""
    n = SIZES[label]
    name = f"{PREFIX}_{label}"
    if not _admin_sql("SELECT 1 FROM pg_database WHERE datname = %s", [name], fetch=True):
        _admin_sql(f'CREATE DATABASE "{name}"')
    _manage(label, "migrate", "--noinput", "-v0")
    comment = _admin_sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                         [name], fetch=True)[0][0]
    figures = json.loads(comment) if comment else None
    if figures and figures.get("applicants") == n and not rebuild:
        print(f"[{label}] 复用已有数据库 {name}（生成于 {figures['built']}）", flush=True)
        if not figures.get("vacuumed"):  # built before the generator vacuumed: as autovacuum would by now
            _admin_sql("VACUUM ANALYZE", dbname=name)
            figures["vacuumed"] = True
            _admin_sql(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(figures)}'")
        return figures
    print(f"[{label}] 生成 {n:,} 个申报单位 → {name}", flush=True)
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    _manage(label, "generate_national", "--applicants", str(n), "--ranked", str(RANKED),
            "--reviewers", str(max(10, n // 100)))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures = {"applicants": n, "seconds": round(time.monotonic() - start, 1),
               "peak_mb": round(peak / 1024) if peak > before else None,
               "built": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load": open("/proc/loadavg").read().split()[0], "vacuumed": True}
    _admin_sql(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(figures)}'")
    return figures


def main():
    global PREFIX
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5k,50k,300k")
    parser.add_argument("--renders", type=int, default=9)
    parser.add_argument("--rebuild", action="store_true", help="generate again even if the database holds the size")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--db-prefix", default=PREFIX, help="databases are <prefix>_<size> (default %(default)s)")
    parser.add_argument("--no-build", action="store_true",
                        help="only migrate the existing databases (copies made with createdb -T carry no build "
                             "figures), never generate")
    parser.add_argument("--pages", default="", help="only the pages whose label contains this text")
    parser.add_argument("--measure-one", help=argparse.SUPPRESS)  # child process: one size, JSON on stdout
    args = parser.parse_args()
    PREFIX = args.db_prefix
    if args.measure_one:
        import _scale_pages

        print(json.dumps(_scale_pages.measure_all(args.renders, args.pages)))
        return
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.no_build:
        for label in labels:
            _manage(label, "migrate", "--noinput", "-v0")
        builds = {label: {"seconds": "—"} for label in labels}
    else:
        builds = {label: build(label, args.rebuild) for label in labels}
    if args.build_only:
        print(json.dumps(builds, indent=1))
        return
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env=dict(os.environ, DEBUG="0", SECRET_KEY="bench-only-" + "x" * 50,
                            SIGNING_P12_PASSWORD="demo-signer", DATABASE_URL=db_url(labels[0])))
    results = {}
    for label in labels:
        print(f"[{label}] 测量列表页（每页 {args.renders} 次渲染的中位数）", flush=True)
        env = dict(os.environ, DATABASE_URL=db_url(label))
        out = subprocess.run([sys.executable, __file__, "--measure-one", label, "--renders", str(args.renders),
                              "--pages", args.pages],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])
    import _scale_report

    ok = _scale_report.print_report(labels, builds, results, RATIO_TARGET, KB_TARGET)
    print()
    print("全部目标达标" if ok else "有未达标的目标（见上表）")


if __name__ == "__main__":
    main()
