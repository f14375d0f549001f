"""Benchmark (not a test): render N application forms with 1 and with 2 worker processes.

    .venv/bin/python bench/bench_documents.py [N]

Also prints the warm signing time (PAdES on an already rendered form, certificate cached per
process) and the cold one (first signature in a fresh process), and the worker's time for a
form full of characters beyond the BMP (drawn from the BabelStone Han fallback face).

Each worker does what the Celery task does for one form — lay out the HTML with
the shipped fonts, sign it (PAdES), write it to a temporary file and rename it
into place — without the database round trips. Prints forms per minute for 1
and 2 workers, and the ratio of our per-form time to WeasyPrint rendering the
same HTML on its own (HTML(...).write_pdf(), a fresh default font configuration
each time, no signature). Per-form figures are CPU seconds of the rendering process
(time.process_time), so that other load on a shared machine does not skew the ratio;
forms per minute are wall-clock.
"""

import os
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)  # DEBUG off refuses to start without one
os.environ.setdefault("SIGNING_P12_PASSWORD", "bench-only")  # replaced by the benchmark's own certificate

PARAGRAPH = ("本项目面向工业企业生产过程优化，建设覆盖研发设计、生产制造、经营管理和运维服务的工业大数据平台，"
             "汇聚设备运行、工艺参数、质量检测等数据，形成数据采集、存储、治理、分析和应用的完整链条；"
             "平台已在滨海新区十二家企业部署应用，设备综合效率提升百分之十二，单位产品能耗下降百分之八。")


RARE = "𠀀𪚥𪜀𫝀𫠠𬺰𰀀𰻞㐀䶵豈丽"  # Extensions A-G and compatibility ideographs


def sample_content(i, rare=False):
    paragraphs = [f"（{n}）{PARAGRAPH}{RARE if rare else ''}" for n in range(1, 7)]
    sections = [{"number": num, "title": title, "paragraphs": paragraphs} for num, title in
                zip(["三", "四", "五", "六", "七"], ["项目简介", "技术先进性与关键创新点", "经济效益和社会效益", "推广价值", "开源贡献"])]
    return {
        "declaration_id": i, "guide": {"id": 1, "year": 2026, "title": "2026年大数据产业发展试点示范项目申报指南",
                                       "doc_number": "工信厅信发函〔2026〕71号"},
        "applicant": {"name": f"天津滨海数据科技有限公司{i}", "credit_code": "91120116MA05T6XW2E", "kind": "企业",
                      "is_industrial": True, "region": "天津市", "dcmm_level": "3级（稳健级）", "address": "天津市滨海新区",
                      "contact_name": "张三", "contact_phone": "13800000000", "contact_email": "a@example.com"},
        "unit": "滨海新区工业和信息化局", "project_name": f"工业互联网大数据平台项目{i}",
        "directions": [{"code": "7", "name": "工业大数据应用", "category": "行业大数据应用"}],
        "applicant_role": "", "construction_status": "已建", "sections": sections,
        "ip_section_number": "八", "case_section_number": "九", "attachment_section_number": "十",
        "commitment_section_number": "十一",
        "ip_items": [{"kind": "软件著作权", "title": f"数据平台V{n}.0", "number": f"2021SR00000{n}"} for n in range(1, 6)],
        "cases": [{"name": f"案例{n}", "customer": f"客户{n}", "description": PARAGRAPH} for n in range(1, 6)],
        "stats_report_filed": True, "stats_report_year": 2025,
        "attachments": [{"name": f"附件{n}.pdf", "label": "证明材料", "size": 123456, "sha256": "ab" * 32}
                        for n in range(1, 6)],
        "submitted_at": "2026-05-01T10:00:00+08:00", "submitted_date": "2026年5月1日",
    }


def _setup(p12, password):
    import django
    from django.conf import settings

    django.setup()
    settings.SIGNING_P12_PATH, settings.SIGNING_P12_PASSWORD = p12, password


def _document(i, rare=False):
    from documents.models import Document
    from documents.content import fingerprint_of

    content = sample_content(i, rare)
    return Document(pk=i, kind=Document.Kind.APPLICATION_FORM, number=f"SB2026-{i:06d}-01",
                    short_code=f"BENCH{i:05d}"[:10], content=content, fingerprint=fingerprint_of(content))


def _ours(args):
    i, out_dir, *rare = args
    from documents.rendering import _render_pdf

    t = time.process_time()
    data = _render_pdf(_document(i, bool(rare and rare[0])))
    (Path(out_dir) / f"{i}.pdf").write_bytes(data)  # the task stores it through the storage (a file here)
    return time.process_time() - t


def _html(i):
    from django.template.loader import render_to_string

    from documents.rendering import pdf_context

    doc = _document(i)
    return render_to_string("documents/print/application_form.html", pdf_context(doc))


def _plain(i):
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from documents.pdf import print_stylesheet

    html = _html(i)
    t = time.process_time()
    config = FontConfiguration()
    HTML(string=html).write_pdf(stylesheets=[CSS(string=print_stylesheet(), font_config=config)], font_config=config)
    return time.process_time() - t


def _signing(_args):
    """(cold, warm) seconds to sign a rendered form in this fresh process."""
    from documents.rendering import render_pdf_bytes
    from documents.signing import sign_pdf

    pdf = render_pdf_bytes(_document(1))
    t = time.process_time()
    sign_pdf(pdf, reason="bench")
    cold = time.process_time() - t
    warm = []
    for _ in range(5):
        t = time.process_time()
        sign_pdf(pdf, reason="bench")
        warm.append(time.process_time() - t)
    return cold, sorted(warm)[len(warm) // 2]


def _rare(args):
    out_dir, n = args
    _ours((-100, out_dir, True))  # warm: the fallback face is loaded once per worker
    times = [_ours((-100 - k, out_dir, True)) for k in range(1, n + 1)]
    return sum(times) / len(times)


def run_pool(workers, n, p12, password, out_dir):
    ctx = get_context("fork")
    with ctx.Pool(workers, initializer=_setup, initargs=(p12, password)) as pool:
        pool.map(_ours, [(-k - 1, out_dir) for k in range(workers)])  # warm each worker (fonts, certificate)
        t = time.perf_counter()
        times = pool.map(_ours, [(i, out_dir) for i in range(1, n + 1)], chunksize=1)
        return time.perf_counter() - t, times


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        from documents.signing import create_self_signed_p12

        p12 = str(create_self_signed_p12(Path(tmp) / "bench.p12", "bench"))
        _setup(p12, "bench")
        from weasyprint import HTML  # noqa: F401 - import cost outside the timings

        pages = None
        from documents.pdf import render_html
        pages = len(render_html(_html(0)).pages)
        print(f"{n} application forms of {pages} pages each; CPU cores: {os.cpu_count()}")
        results = {}
        for workers in (1, 2):
            wall, times = run_pool(workers, n, p12, "bench", tmp)
            results[workers] = (wall, times)
            print(f"{workers} worker(s): {n / wall * 60:7.1f} forms/minute  "
                  f"({wall / n:.2f} s wall per form, {sum(times) / n:.2f} CPU s per form in a worker)")
        _plain(0)  # warm
        plain = [_plain(i) for i in range(1, min(n, 10) + 1)]
        plain_avg = sum(plain) / len(plain)
        ours_avg = sum(results[1][1]) / n
        print(f"plain WeasyPrint, same HTML: {plain_avg:.2f} CPU s per form")
        print(f"ratio ours / plain WeasyPrint: {ours_avg / plain_avg:.2f}  "
              f"(ours adds the PAdES signature and an atomic file write, and keeps fonts loaded per worker)")
        print(f"speed-up 2 workers vs 1: {results[1][0] / results[2][0]:.2f}x")
        ctx = get_context("fork")
        with ctx.Pool(1, initializer=_setup, initargs=(p12, "bench")) as pool:
            cold, warm = pool.apply(_signing, (None,))
        print(f"signing a rendered form (PAdES, pyHanko): {warm:.3f} CPU s warm (median of 5), {cold:.3f} CPU s cold "
              f"(first signature in a fresh worker: loads pyHanko and the certificate)")
        with ctx.Pool(1, initializer=_setup, initargs=(p12, "bench")) as pool:
            rare = pool.apply(_rare, ((tmp, min(n, 5)),))
        print(f"form with characters of CJK Ext. A-G in every paragraph: {rare:.2f} CPU s per form in a warm worker")


if __name__ == "__main__":
    main()
