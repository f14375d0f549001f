"""Benchmark (not a test): peak worker memory of the busiest unit's forms ZIP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotdecl_scalejobs \\
        .venv/bin/python bench/zip_memory.py [--entries 30000] [--pdf-kb 60] [--rebuild] [--keep]

Builds (once; reused by later runs) a confirmed recommendation list of one unit with N entries, each
declaration with a ready application form (synthetic PDFs of about --pdf-kb KB, random bytes, 20
distinct files shared by the forms, saved through the default storage) and its formal-check records
(submitted, passed) in the audit log. Then requests the list's ZIP as the unit's page does (timed,
with its query count) and renders it in a fresh process, as a Celery worker would, reporting wall
time, peak resident memory (VmHWM, reset before the render), the archive's size and entries.

Why 30,000: at 300,000 applicants the busiest unit's list, if one province's whole share went through
a single unit (generate_national gives Guangdong about 9 % of applicants), holds about 27,000
declarations; 30,000 is that rounded up.
"""

import argparse
import multiprocessing
import os
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("SIGNING_P12_PASSWORD", "bench-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pilotdecl_scalejobs")
os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")  # the request queues a task; nobody runs it here

TITLE = "ZIP 内存基准测试指南（bench/zip_memory.py）"
UNIT = "基准推荐单位（bench/zip_memory.py）"
ORG_PREFIX = "ZIP基准"
BATCH = 5000
N_FILES = 20


def _setup():
    import django

    django.setup()


def vm_hwm_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def synthetic_pdf(i, kb):
    body = os.urandom(kb * 1024)
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            + f"3 0 obj<</Length {len(body)}>>stream\n".encode() + body + b"\nendstream endobj\n"
            + f"%bench form {i}\n".encode() + b"trailer<</Root 1 0 R>>\n%%EOF\n")


def build(n, kb, out=print):
    import hashlib

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone
    from stdnum.cn import uscc

    from core.models import AuditRecord
    from declarations.loading import load_guide, read_guide_data
    from declarations.models import Declaration, Organisation
    from documents.models import Document
    from quotas.models import ListEntry, RecommendationList, Unit

    t0 = time.monotonic()
    guide = load_guide(read_guide_data(2022), title=TITLE, published=True)
    direction = guide.directions.order_by("order", "pk").first()
    unit, _ = Unit.objects.get_or_create(name=UNIT, defaults={"kind": Unit.Kind.PROVINCE, "region": "44"})
    now = timezone.now()
    files = []
    for i in range(N_FILES):
        data = synthetic_pdf(i, kb)
        name = default_storage.save(f"bench/zip_memory/form-{i:02d}.pdf", ContentFile(data))
        files.append((name, len(data), hashlib.sha256(data).hexdigest()))
    with transaction.atomic():
        orgs = []
        for i in range(n):
            body = f"91440100{9}{i:08d}"
            orgs.append(Organisation(name=f"{ORG_PREFIX}{i:06d}信息技术有限公司", credit_code=body + uscc.calc_check_digit(body),
                                     kind="enterprise", region="44", division="440100", contact_name="李四",
                                     contact_phone="13900000000", contact_email=f"z{i}@example.com"))
        Organisation.objects.bulk_create(orgs, batch_size=BATCH)
        org_ids = list(Organisation.objects.filter(name__startswith=ORG_PREFIX).order_by("pk")
                       .values_list("pk", flat=True))
        Declaration.objects.bulk_create([
            Declaration(guide=guide, organisation_id=oid, unit=unit, direction=direction, submitted_at=now,
                        state=Declaration.State.RECOMMENDED, project_name=f"工业大数据平台建设项目{i:06d}")
            for i, oid in enumerate(org_ids)], batch_size=BATCH)
        decl_ids = list(Declaration.objects.filter(guide=guide).order_by("pk").values_list("pk", flat=True))
        rec_list = RecommendationList.objects.create(guide=guide, unit=unit, state=RecommendationList.State.CONFIRMED,
                                                     confirmed_at=now, document_number="粤工信函〔2022〕1号")
        ListEntry.objects.bulk_create([ListEntry(rec_list=rec_list, declaration_id=pk, rank=i + 1, recommended=i < 10)
                                       for i, pk in enumerate(decl_ids)], batch_size=BATCH)
        out(f"[{time.monotonic() - t0:6.1f}s] {n} declarations on one confirmed list")
        decl_type = ContentType.objects.get_for_model(Declaration)
        Document.objects.bulk_create([
            Document(kind=Document.Kind.APPLICATION_FORM, target_type=decl_type, target_id=pk,
                     number=f"ZIPBENCH-{pk}", short_code=f"ZB{pk:014d}", content={}, fingerprint="0" * 64,
                     issued_to="bench", state=Document.State.READY, file=files[i % N_FILES][0],
                     file_size=files[i % N_FILES][1], file_sha256=files[i % N_FILES][2], ready_at=now, progress=100)
            for i, pk in enumerate(decl_ids)], batch_size=BATCH)
        AuditRecord.objects.bulk_create([
            AuditRecord(action=action, summary=summary, target_type=decl_type, target_id=str(pk))
            for pk in decl_ids for action, summary in (("declaration.submit", "提交申报"),
                                                       ("declaration.pass", "形式审查通过"))], batch_size=BATCH)
    out(f"[{time.monotonic() - t0:6.1f}s] forms ({N_FILES} files of {kb} KB) and formal-check records")
    return rec_list


def delete_existing():
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditRecord
    from declarations.models import Declaration, Guide, Organisation
    from documents.models import Document
    from quotas.models import ListEntry, RecommendationList, Unit

    decl_type = ContentType.objects.get_for_model(Declaration)
    for guide in Guide.objects.filter(title=TITLE):
        ids = list(Declaration.objects.filter(guide=guide).values_list("pk", flat=True))
        AuditRecord.objects.filter(target_type=decl_type, target_id__in=[str(i) for i in ids]).delete()
        Document.objects.filter(target_type=decl_type, target_id__in=ids).delete()
        lists = RecommendationList.objects.filter(guide=guide)
        Document.objects.filter(target_type=ContentType.objects.get_for_model(RecommendationList),
                                target_id__in=list(lists.values_list("pk", flat=True))).delete()
        ListEntry.objects.filter(rec_list__in=lists).delete()
        lists.delete()
        Declaration.objects.filter(guide=guide).delete()
        guide.delete()
    Organisation.objects.filter(name__startswith=ORG_PREFIX).delete()
    Unit.objects.filter(name=UNIT).delete()


def _worker(doc_id, queue):
    """A fresh process, as a Celery worker: render the ZIP and read the peak resident memory."""
    _setup()
    from documents.rendering import render_document

    reset_peak()
    base = vm_hwm_mb()
    t = time.perf_counter()
    doc = render_document(doc_id)
    queue.put({"seconds": time.perf_counter() - t, "peak_mb": vm_hwm_mb(), "base_mb": base, "state": doc.state,
               "error": doc.error, "size": doc.file_size, "name": doc.file.name})


def _result(proc, queue):
    """The child's report; if it died first (its traceback is above), stop instead of waiting forever."""
    import queue as queues

    while True:
        try:
            result = queue.get(timeout=5)
        except queues.Empty:
            if not proc.is_alive():
                sys.exit(f"the worker process failed (exit code {proc.exitcode})")
            continue
        proc.join()
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=30_000)
    parser.add_argument("--pdf-kb", type=int, default=60)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the built ZIP (it is deleted by default)")
    args = parser.parse_args()
    _setup()
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from documents.issuing import request_forms_zip
    from documents.models import Document
    from quotas.models import RecommendationList

    call_command("migrate", verbosity=0)
    rec_list = RecommendationList.objects.filter(guide__title=TITLE, unit__name=UNIT).first()
    if args.rebuild or rec_list is None or rec_list.entries.count() != args.entries:
        delete_existing()
        rec_list = build(args.entries, args.pdf_kb)
    else:
        print(f"reusing the benchmark list #{rec_list.pk} ({args.entries} entries)")

    with CaptureQueriesContext(connection) as queries:
        t = time.perf_counter()
        doc = request_forms_zip(rec_list.pk)
        asked = time.perf_counter() - t
    Document.objects.filter(pk=doc.pk).update(state=Document.State.QUEUED)  # as queued; no worker runs here
    connection.close()

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(doc.pk, queue))
    proc.start()
    result = _result(proc, queue)
    with default_storage.open(result["name"], "rb") as f, zipfile.ZipFile(f) as zf:
        names = zf.namelist()
        pdfs = sum(1 for n in names if n.endswith(".pdf"))
    print(f"\nforms ZIP of one unit's list: {args.entries} entries, forms of {args.pdf_kb} KB")
    print(f"  request (web side): {asked * 1000:.0f} ms, {len(queries)} queries")
    print(f"  worker: state {result['state']}, {result['seconds']:.1f} s, archive {result['size'] / 2**20:.0f} MB, "
          f"{len(names)} entries ({pdfs} forms)")
    print(f"  worker peak RSS {result['peak_mb']:.0f} MB (the process before the render: {result['base_mb']:.0f} MB)")
    if result["error"]:
        print("  error:", result["error"])
    if not args.keep:
        default_storage.delete(result["name"])
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


if __name__ == "__main__":
    main()
