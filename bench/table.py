#!/usr/bin/env python3
"""table.py — a compact comparison table from e2ee_bench's JSON output.

    e2ee_bench --benchmark_format=json > run.json     (or --benchmark_out=run.json)
    bench/table.py run.json [more.json ...] [--markdown] [--metric auto|cycles|cpb|ns]
                   [--stat median|min]

Benchmark names are `<operation>/<implementation>[/<size>]` (bench_common.hpp):
implementation `e2ee:<kernel>`, `openssl`, `sodium`, or a peer variant such as
`openssl:oneshot`. Per benchmark the median is used: the `median` aggregate when
the run had repetitions, else the median of the plain runs; with several files,
the median over the files. `--stat min` takes the minimum of the plain runs
instead (the repetitions must be in the file: run with
--benchmark_display_aggregates_only, not --benchmark_report_aggregates_only;
without them it falls back to the median aggregate and says so).

Cycles are recomputed here from CPU time and the run's own core clock: the median
`core_clock` benchmark of the same file (1000 dependent adds per iteration, so
GHz = 1000 / ns). Without core_clock the table falls back to ns.

Columns: operation, size, unit, e2ee (the kernel the library picks, from the
context key `e2ee_kernel.<operation>`), that kernel's name, e2ee portable path,
OpenSSL, libsodium, and the ratios peer / e2ee (> 1: e2ee is faster).
Metric `auto` shows cycles per operation below 1 KiB and cycles per byte from
1 KiB up.

Operations with a libsignal-protocol-c peer (implementation `libsignal` or
`libsignal-c`: XEdDSA, the protocol cases) get a second table instead: one row
per e2ee implementation (`e2ee:<kernel>`, or for the protocol `e2ee:state`
and `e2ee:api`), with ns and cycles of e2ee and of libsignal-protocol-c and
how many times faster e2ee is (libsignal / e2ee). Python 3 standard library
only.
"""

import argparse
import json
import re
import statistics
import sys

NAME = re.compile(r"^(?P<op>[^/]+)/(?P<impl>[^/]+)(?:/(?P<size>\d+))?(?:/.*)?$")
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
PEERS = [("openssl", "OpenSSL"), ("sodium", "libsodium")]


def load(path, time_field, stat="median"):
    """Returns (context, {run_name: ns per op}, core GHz or None, {run_name:
    registration order}) for one file."""
    with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as f:
        data = json.load(f)
    medians, plain, order = {}, {}, {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            print(f"warning: {b.get('name')}: {b.get('error_message')}", file=sys.stderr)
            continue
        run = b.get("run_name", b["name"])
        order[run] = (b.get("family_index", len(order)), b.get("per_family_instance_index", 0))
        ns = b[time_field] * TO_NS[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[run] = ns
        else:
            plain.setdefault(run, []).append(ns)
    pick = min if stat == "min" else statistics.median
    times = {run: pick(v) for run, v in plain.items()}
    if stat == "min":
        missing = [run for run in medians if run not in times]
        if missing:
            print(f"warning: {path}: {len(missing)} benchmarks have only aggregates; "
                  "their median is used instead of the minimum", file=sys.stderr)
        for run in missing:
            times[run] = medians[run]
    else:
        times.update(medians)  # the aggregate wins when both are there
    clock = times.pop("core_clock", None)
    ghz = 1000.0 / clock if clock else None
    return data.get("context", {}), times, ghz, order


def collect(paths, time_field, stat="median"):
    """Per run name: the median over files of ns and of cycles (cycles: None
    when a file has no core clock)."""
    ns_by, cyc_by, context, clocks, order = {}, {}, {}, [], {}
    for p in paths:
        ctx, times, ghz, ordr = load(p, time_field, stat)
        context.update(ctx)
        for run, o in ordr.items():
            order.setdefault(run, o)
        if ghz:
            clocks.append(ghz)
        for run, ns in times.items():
            ns_by.setdefault(run, []).append(ns)
            cyc_by.setdefault(run, []).append(ns * ghz if ghz else None)
    result = {}  # in registration order (random interleaving shuffles the report)
    for run in sorted(ns_by, key=lambda r: order.get(r, (1 << 30, 0))):
        v = ns_by[run]
        cyc = cyc_by[run]
        result[run] = (statistics.median(v),
                       statistics.median(cyc) if all(c is not None for c in cyc) else None)
    return context, result, clocks


def value(entry, size, unit):
    if entry is None:
        return None
    ns, cycles = entry
    if unit == "ns":
        return ns
    if unit == "cycles":
        return cycles
    return cycles / size if cycles is not None and size else None


def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "cpb":
        return f"{v:.2f}"
    if unit == "ns" and v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def ratio(peer, mine):
    if peer is None or mine is None or mine == 0:
        return "—"
    return f"{peer / mine:.2f}x"


SIGNAL_PEER = re.compile(r"^libsignal(?:-c)?$")


def group(results):
    """op -> {size -> {impl -> (ns, cycles)}}, in order of appearance."""
    ops = {}
    for run, entry in results.items():
        m = NAME.match(run)
        if not m:
            continue
        size = int(m.group("size")) if m.group("size") else 0
        ops.setdefault(m.group("op"), {}).setdefault(size, {})[m.group("impl")] = entry
    return ops


def is_mine(impl):
    return impl == "e2ee" or impl.startswith("e2ee:")


def signal_peer(impls):
    return next((i for i in impls if SIGNAL_PEER.match(i)), None)


def build_rows(context, results, metric):
    rows = []
    for op, sizes in group(results).items():
        for size in sorted(sizes):
            impls = sizes[size]
            mine = [i for i in impls if is_mine(i)]
            if not mine or signal_peer(impls):
                continue
            kernel = context.get(f"e2ee_kernel.{op}")
            best = f"e2ee:{kernel}" if kernel and f"e2ee:{kernel}" in impls else None
            if best is None:  # no context: the fastest kernel
                best = min(mine, key=lambda i: impls[i][0])
            unit = metric
            have_cycles = impls[best][1] is not None
            if unit == "auto":
                unit = "cpb" if size >= 1024 else "cycles"
            if unit in ("cycles", "cpb") and not have_cycles:
                unit = "ns"
            if unit == "cpb" and not size:
                unit = "cycles"
            e = value(impls[best], size, unit)
            portable = value(impls.get("e2ee:portable"), size, unit)
            peers = [value(impls.get(k), size, unit) for k, _ in PEERS]
            rows.append([op, str(size) if size else "", unit, fmt(e, unit), best[5:],
                         fmt(portable, unit)] + [fmt(p, unit) for p in peers] +
                        [ratio(p, e) for p in peers])
    return rows


SIGNAL_HEAD = ["operation", "size", "e2ee", "e2ee ns", "e2ee cycles", "libsignal-c ns",
               "libsignal-c cycles", "e2ee faster"]
SIGNAL_RIGHT = [False, True, False, True, True, True, True, True]


def build_signal_rows(results):
    """e2ee against libsignal-protocol-c: one row per e2ee implementation."""
    rows = []
    for op, sizes in group(results).items():
        for size in sorted(sizes):
            impls = sizes[size]
            peer = signal_peer(impls)
            if not peer:
                continue
            p_ns, p_cyc = impls[peer]
            for impl in (i for i in impls if is_mine(i)):
                ns, cyc = impls[impl]
                rows.append([op, str(size) if size else "", impl[5:] or "e2ee", fmt(ns, "ns"),
                             fmt(cyc, "cycles"), fmt(p_ns, "ns"), fmt(p_cyc, "cycles"),
                             ratio(p_ns, ns)])
    return rows


def render(rows, markdown, head=None, right=None):
    if head is None:
        head = ["operation", "size", "unit", "e2ee", "kernel", "portable"] + \
               [n for _, n in PEERS] + [f"{n}/e2ee" for _, n in PEERS]
        right = [False, True, False, True, False, True] + [True] * (2 * len(PEERS))
    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---:" if r else "---" for r in right) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(c.rjust(w) if r else c.ljust(w)
                                   for c, w, r in zip(cells, widths, right)).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="*", default=["-"], help="Google Benchmark JSON files (- = stdin)")
    ap.add_argument("--markdown", action="store_true", help="Markdown table")
    ap.add_argument("--metric", choices=["auto", "cycles", "cpb", "ns"], default="auto")
    ap.add_argument("--time", choices=["cpu", "real"], default="cpu",
                    help="which time to convert (default cpu, as the bench counters)")
    ap.add_argument("--stat", choices=["median", "min"], default="median",
                    help="per file: median (default) or minimum of the repetitions")
    args = ap.parse_args()
    context, results, clocks = collect(args.json, f"{args.time}_time", args.stat)
    rows = build_rows(context, results, args.metric)
    signal_rows = build_signal_rows(results)
    if not rows and not signal_rows:
        sys.exit("table.py: no e2ee benchmarks found")
    cpu = context.get("cpu_model", "unknown CPU")
    ghz = f"{statistics.median(clocks):.2f} GHz" if clocks else "unknown (no core_clock)"
    note = (f"{cpu}; core clock {ghz} (core_clock median); {args.time} time, {args.stat}; "
            f"cycles = ns x core GHz; ratios = peer / e2ee (> 1: e2ee faster)")
    if rows:
        print(render(rows, args.markdown))
        print()
    if signal_rows:
        print(render(signal_rows, args.markdown, SIGNAL_HEAD, SIGNAL_RIGHT))
        print()
    print(note)


if __name__ == "__main__":
    main()
