"""`make bench`: every benchmark against one DynamoDB Local (in memory), one table on the
terminal, and the tables of docs/PERFORMANCE.md rewritten.

    .venv/bin/python -m benchmarks [--scale small|default|full] [--only NAME ...] [--no-write]

BENCH_SCALE (or --scale) sets how big the data gets:
- small:   1,000 and 10,000 mentors; threads of 100 and 10,000 messages (a few minutes);
- default: 1,000, 10,000 and 100,000 mentors; threads of 100 and 100,000 messages (8 minutes
           on 2 cores). Past 10,000 mentors only the directory's framework partitions are loaded,
           the only items a suggestion can read;
- full:    as default, with every item registration writes at 100,000 mentors too (roughly 5
           more minutes: the loader writes about 1,600 items/s here, DynamoDB Local doing most).

Only the parts of docs/PERFORMANCE.md between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
are replaced; every other line (the prose, the Threads section) is kept as it is. The document
is left alone when a benchmark fails or with --no-write.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import os
import re
import shlex
import sys
import time
import traceback
from pathlib import Path

from benchmarks import common

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"

SCALES = {
    "small": {"mentors": (1_000, 10_000), "full_items_up_to": 10_000, "messages": 10_000, "threads": 200,
              "cold_rounds": 20, "samples": 30},
    "default": {"mentors": (1_000, 10_000, 100_000), "full_items_up_to": 10_000, "messages": 100_000,
                "threads": 200, "cold_rounds": 20, "samples": 50},
    "full": {"mentors": (1_000, 10_000, 100_000), "full_items_up_to": 100_000, "messages": 100_000,
             "threads": 200, "cold_rounds": 20, "samples": 50},
}
BENCHMARKS = ("cold_start", "round_trips", "overhead", "matching", "threads", "notifications", "cohort")


# --- running ---------------------------------------------------------------------------------


def _call_run(module, **available):
    """module.run(...) with the keyword arguments it accepts among `available`."""
    accepted = inspect.signature(module.run).parameters
    return module.run(**{name: value for name, value in available.items() if name in accepted})


def run_all(scale: dict, only: tuple[str, ...], endpoint: str) -> tuple[list[dict], list[str]]:
    import importlib

    rows: list[dict] = []
    failures: list[str] = []
    for name in only:
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            result = _call_run(
                module, endpoint=endpoint, rounds=scale["cold_rounds"], samples=scale["samples"],
                sizes=scale["mentors"], full_items_up_to=scale["full_items_up_to"],
                messages=scale["messages"], threads=scale["threads"],
            )
            rows.extend(result)
        except Exception:  # noqa: BLE001 - report every failure, run the other benchmarks
            failures.append(name)
            traceback.print_exc()
        print(f"[bench] {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows, failures


# --- one table -------------------------------------------------------------------------------

_MAIN = ("dynamodb_calls", "items_read", "p50_ms", "p95_ms")
_HIDDEN = {"benchmark", "request", "samples", "operations", "mentors", "messages"}


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return "" if value is None else str(value)


def _extras(row: dict) -> str:
    return ", ".join(f"{key}={_fmt(value)}" for key, value in row.items()
                     if key not in _HIDDEN and key not in _MAIN and value not in (None, ""))


def console_table(rows: list[dict]) -> str:
    header = ("benchmark", "request", "calls", "items", "p50 ms", "p95 ms", "more")
    lines = [[r.get("benchmark", ""), r.get("request", ""), *(_fmt(r.get(k)) for k in _MAIN), _extras(r)]
             for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)] if lines else [len(h) for h in header]
    if widths:
        widths[-1] = min(widths[-1], 120)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def markdown_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    lines = ["| " + " | ".join(title for title, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(key)) for _, key in columns) + " |")
    return "\n".join(lines)


# --- budgets ---------------------------------------------------------------------------------


def _by(rows, benchmark):
    return [r for r in rows if r.get("benchmark") == benchmark]


def budgets(rows: list[dict]) -> list[dict]:
    """Each budget of docs/PERFORMANCE.md with what this run measured."""
    result = []

    def add(name, budget, measured, met):
        result.append({"budget": name, "target": budget, "measured": measured, "met": met})

    for row in _by(rows, "cold start"):
        if "ratio_to_dependencies" in row:
            add("cold start: import app vs its dependencies", f"<= {row['budget_ratio']}x",
                f"{row['ratio_to_dependencies']}x ({row['p50_ms']} ms)", row["within_budget"])
    round_trips = [r for r in _by(rows, "round trips") if "budget" in r]
    if round_trips:
        over = [r["request"] for r in round_trips if not r["within_budget"]]
        add("round trips: every route within its call budget", f"{len(round_trips)} cases",
            "all within" if not over else "over: " + "; ".join(over), not over)
    matching = _by(rows, "matching")
    if matching:
        from chalicelib.services.matching import CANDIDATES_PER_QUERY

        reads = [r["items_read_max"] for r in matching]
        add("suggestions: items read flat as the pool grows",
            f"bounded: {2 * CANDIDATES_PER_QUERY} directory entries + the mentee's items",
            " / ".join(f"{r['mentors']:,} mentors: {r['items_read']} mean, {r['items_read_max']} max"
                       for r in matching),
            max(reads) <= 2 * CANDIDATES_PER_QUERY + 10)
        small = [r for r in matching if r["mentors"] <= 10_000]
        add("suggestions: recall@5 >= 0.95 up to 10,000 mentors (strict / by score)", ">= 0.95",
            "; ".join(f"{r['recall_strict']} / {r['recall_by_score']}" for r in small),
            all(r["recall_strict"] >= 0.95 and r["recall_by_score"] >= 0.95 for r in small))
        add("suggestions: calls per request", "<= 4", str(max(r["dynamodb_calls"] for r in matching)),
            max(r["dynamodb_calls"] for r in matching) <= 4)
    pages = _by(rows, "flat cost")
    if pages:
        longest = max(r["messages"] for r in pages)
        by_kind: dict[str, dict[int, dict]] = {}
        for row in pages:
            by_kind.setdefault(row["request"].split(", ")[1], {})[row["messages"]] = row
        same_items = all(len({r["items_read"] for r in kind.values()}) == 1 for kind in by_kind.values())
        add(f"messages: a page reads the same in threads of 100 and {longest:,} messages", "same items, same gap",
            "; ".join(f"{name}: {kind[min(kind)]['items_read']} vs {kind[max(kind)]['items_read']} items, "
                      f"gap {kind[min(kind)]['gap_p50_ms']} vs {kind[max(kind)]['gap_p50_ms']} ms, "
                      f"DynamoDB {kind[min(kind)]['db_p50_ms']} vs {kind[max(kind)]['db_p50_ms']} ms"
                      for name, kind in by_kind.items()),
            same_items)
    runs = [r for r in _by(rows, "notifications") if "pending" in r]
    if len(runs) > 1:
        add("schedule: calls and items of a run do not grow with the pending requests",
            "the same at every size",
            " / ".join(f"{r['pending']:,} pending: {r['dynamodb_calls']} calls, {r['items_read']} items" for r in runs),
            len({(r["dynamodb_calls"], r["items_read"]) for r in runs}) == 1)
    overhead = _by(rows, "overhead") + _by(rows, "flat cost")
    if overhead:
        over = [f"{r['request']} ({r['gap_p50_ms']} ms)" for r in overhead if not r["within_budget"]]
        from benchmarks.overhead import GAP_BUDGET_MS

        add("overhead: p50 gap (latency - DynamoDB time) per route",
            f"<= {GAP_BUDGET_MS:g} ms (a batch: its own, see the table)",
            f"{len(overhead) - len(over)} of {len(overhead)} routes within"
            + ("; over: " + "; ".join(over) if over else ""), not over)
    return result


# --- docs/PERFORMANCE.md ---------------------------------------------------------------------

_BLOCK = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->\n.*?<!-- /bench:(?P=name) -->", re.S)

COLUMNS = {
    "cold start": [("measured", "request"), ("runs", "samples"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
                   ("vs dependencies", "ratio_to_dependencies"), ("import + first request, p50 ms",
                                                                  "import_and_request_p50_ms")],
    "round trips": [("request", "request"), ("DynamoDB calls", "dynamodb_calls"), ("budget", "budget"),
                    ("within", "within_budget"), ("items read", "items_read"), ("calls made", "calls"),
                    ("note", "note")],
    "overhead": [("request", "request"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
                 ("DynamoDB p50 ms", "db_p50_ms"), ("of which HTTP p50 ms", "http_p50_ms"),
                 ("gap p50 ms", "gap_p50_ms"), ("gap p95 ms", "gap_p95_ms"),
                 ("of DynamoDB: botocore building requests, p50 ms", "sdk_build_p50_ms"),
                 ("gap with that building, p50 ms", "gap_with_sdk_build_p50_ms"), ("gap budget ms", "gap_budget_ms"),
                 ("gap within budget", "within_budget")],
    "flat cost": [("request", "request"), ("calls", "dynamodb_calls"), ("items read", "items_read"),
                  ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("DynamoDB p50 ms", "db_p50_ms"),
                  ("gap p50 ms", "gap_p50_ms"), ("gap p95 ms", "gap_p95_ms"),
                  ("same Query, bare client, p50 ms", "bare_query_p50_ms")],
    "matching": [("request", "request"), ("calls", "dynamodb_calls"), ("items read, mean", "items_read"),
                 ("items read, max", "items_read_max"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
                 ("DynamoDB p50 ms", "db_p50_ms"), ("gap p50 ms", "gap_p50_ms"),
                 ("recall@5 strict", "recall_strict"), ("recall@5 by score", "recall_by_score"),
                 ("listed mentors", "listed"), ("items loaded", "table_items"), ("load s", "load_s")],
    "notifications": [("measured", "request"), ("DynamoDB calls", "dynamodb_calls"), ("items read", "items_read"),
                      ("ms", "p50_ms"), ("stream records", "records"), ("calls per due item", "calls_per_due_item")],
    "cohort quality": [("strategy: population", "request"), ("candidate pairs", "candidates"),
                       ("matched", "matched"), ("matched by arrival quarter", "matched_by_quarter"),
                       ("mentees on target", "on_target_share"), ("mean score", "mean_score"),
                       ("6+ h apart", "far_share"), ("mean score by arrival quarter", "score_by_quarter"),
                       ("total score / optimum", "score_ratio"), ("on target / optimum", "on_target_ratio")],
    "cohort solve": [("measured", "request"), ("candidate pairs", "candidates"), ("build s", "build_s"),
                     ("build peak MB (tracemalloc)", "build_peak_mb"), ("solve ms", "p50_ms"), ("runs", "samples"),
                     ("solve peak MB (tracemalloc)", "solve_peak_mb"),
                     ("solve peak RSS growth MB", "solve_rss_growth_mb"),
                     ("matrix MB", "matrix_mb"), ("matched", "matched"), ("on target", "on_target")],
}


def _command(scale_name: str, argv: list[str]) -> str:
    if os.environ.get("MAKELEVEL"):
        return f"make bench BENCH_SCALE={scale_name}"
    return f"BENCH_SCALE={scale_name} .venv/bin/python -m benchmarks " + " ".join(shlex.quote(a) for a in argv)


def blocks(rows: list[dict], scale_name: str, argv: list[str], started: datetime.datetime,
           seconds: float, load: str) -> dict[str, str]:
    machine = common.machine()
    result = {
        "run": "\n".join([
            f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')} ({seconds / 60:.1f} minutes)",
            f"- command: `{_command(scale_name, argv)}`",
            f"- machine: {machine['platform']}, Python {machine['python']}, {machine['cpu']}, "
            f"{machine['cores']} cores; load average at start {load}",
            "- DynamoDB Local (in memory, Java) on 127.0.0.1; the app in-process through "
            "`chalice.test.Client`",
        ]),
        "budgets": markdown_table(budgets(rows), [("budget", "budget"), ("target", "target"),
                                                  ("measured", "measured"), ("met", "met")]),
        "summary": markdown_table(rows, [("benchmark", "benchmark"), ("request", "request"),
                                         ("calls", "dynamodb_calls"), ("items read", "items_read"),
                                         ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms")]),
    }
    for benchmark, columns in COLUMNS.items():
        selected = _by(rows, benchmark)
        if selected:
            result[benchmark.replace(" ", "-")] = markdown_table(selected, columns)
    return result


def rewrite(document: str, new_blocks: dict[str, str]) -> str:
    """Replace the marked blocks; append any block the document does not have yet."""
    def replace(found):
        name = found.group("name")
        if name not in new_blocks:
            return found.group(0)
        return f"<!-- bench:{name} -->\n{new_blocks[name]}\n<!-- /bench:{name} -->"

    document = _BLOCK.sub(replace, document)
    for name, text in new_blocks.items():
        if f"<!-- bench:{name} -->" not in document:
            document = document.rstrip("\n") + f"\n\n<!-- bench:{name} -->\n{text}\n<!-- /bench:{name} -->\n"
    return document


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE") or "default")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--endpoint", help="an already running DynamoDB endpoint (default: start DynamoDB Local)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/PERFORMANCE.md alone")
    args = parser.parse_args(argv)
    if args.scale not in SCALES:
        parser.error(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    started = datetime.datetime.now(datetime.timezone.utc)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    clock = time.perf_counter()
    with common.local_dynamodb(args.endpoint) as endpoint:
        rows, failures = run_all(SCALES[args.scale], tuple(args.only), endpoint)
    seconds = time.perf_counter() - clock
    print(console_table(rows))
    print()
    for budget in budgets(rows):
        print(f"{'met ' if budget['met'] else 'MISSED'} {budget['budget']}: {budget['measured']} "
              f"(target {budget['target']})")
    print(f"\n{len(rows)} rows in {seconds / 60:.1f} minutes", file=sys.stderr)
    if failures:
        print(f"failed: {', '.join(failures)}; {DOCUMENT.name} left as it was", file=sys.stderr)
        return 1
    if not args.no_write:
        document = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else "# Performance\n"
        DOCUMENT.write_text(rewrite(document, blocks(rows, args.scale, argv, started, seconds, load)),
                            encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(DOCUMENT.parent.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
