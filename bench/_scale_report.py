"""bench/scale.py's table: each list page's cost and size per database size, and the ratios."""


def print_report(labels, builds, results, ratio_target, kb_target):
    small, large = labels[0], labels[-1]
    print()
    print("## 生成（generate_national，每个规模一次；复用的数据库报告当时的数字）")
    print("| 规模 | 申报 | 推荐并评审 | 专家 | 用时 s | 子进程内存峰值 MB | 生成时负载 |")
    print("|---|---|---|---|---|---|---|")
    for label in labels:
        b, s = builds[label], results[label]["sizes"]
        print(f"| {label} | {s['declarations']:,} | {s['ranked']:,} | {s['reviewers']:,} | {b['seconds']} | "
              f"{b.get('peak_mb') or '—'} | {b.get('load', '—')} |")
    print()
    print("最大单位的条目、任务最多的专家的任务：" + "；".join(
        f"{label} {results[label]['sizes']['busiest_unit_rows']:,} 条 / {results[label]['sizes']['reviewer_tasks']} 项"
        for label in labels))
    print()
    head = " | ".join(f"{label} ms（÷空白页）" for label in labels)
    print(f"| 页面 | {head} | 查询数 | {large} 大小 KB | 成本比 {large}/{small}（按空白页校正） | "
          f"{large} 全表扫描 | 目标 |")
    print("|---|" + "---|" * (len(labels) + 5))
    ok = True
    for page in results[small]["pages"]:
        cells, rel = [], {}
        for label in labels:
            r = results[label]["pages"][page]
            rel[label] = r["ms"] / r["yard"]
            cells.append(f"{r['ms']:.0f}（{rel[label]:.1f}×）")
        r = results[large]["pages"][page]
        ratio = rel[large] / rel[small]
        seq = len(r["seq"])
        met = ratio <= ratio_target and r["kb"] <= kb_target and seq == 0
        ok = ok and met
        missed = [m for m, bad in ((f"比 > {ratio_target}", ratio > ratio_target),
                                   (f"> {kb_target} KB", r["kb"] > kb_target), ("有 Seq Scan", seq)) if bad]
        print(f"| {page} | {' | '.join(cells)} | {r['queries']} | {r['kb']:.0f} | {ratio:.2f} | "
              f"{seq or '无'} | {'达标' if met else '未达标（' + '，'.join(missed) + '）'} |")
    for page, r in results[large]["pages"].items():
        for sql in r["seq"]:
            print(f"\nSeq Scan on declarations（{large}，{page}）：{sql}")
    return ok
