"""The figures of one ``make bench`` run, read back from its pytest-benchmark JSON.

Numbers only (nanoseconds, rates, ratios, ``None`` where a side is missing),
for ``report.py`` to format and ``chart.py`` to draw, so that both show the
same figures computed one way. A round's time is divided by the operations it
performed (``ops`` in ``extra_info``); ``stat`` picks which round time (see
report.py) over the rounds of every pass pooled.
"""
import json
import statistics
import sys

from workloads import IMPLS, LONG_LARGE, LONG_SMALL, LOOPS, NET_SERVERS, in_order

STATS = {"min": min, "median": statistics.median, "mean": statistics.fmean}


def load(path):
    """Return (json document, {workload: {impl: [benchmark entry per pass]}}).

    The client-library benchmarks (``library`` in ``extra_info``) are left to
    ``load_libraries``.
    """
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    results = {}
    for bench in doc.get("benchmarks", []):
        info = bench.get("extra_info", {})
        if "workload" in info and "impl" in info and info.get("ops") and "library" not in info:
            results.setdefault(info["workload"], {}).setdefault(info["impl"], []).append(bench)
    return doc, results


def load_network(doc):
    """{(workload, loop): {server: [extra_info of each run]}} from the network benchmarks."""
    runs = {}
    for bench in doc.get("benchmarks", []):
        info = bench.get("extra_info", {})
        if all(k in info for k in ("net_workload", "net_loop", "net_server", "net_messages")):
            key = info["net_workload"], info["net_loop"]
            runs.setdefault(key, {}).setdefault(info["net_server"], []).append(info)
    return runs


def load_libraries(doc):
    """{(workload, loop): {impl: [benchmark entry per pass]}} from the library benchmarks."""
    runs = {}
    for bench in doc.get("benchmarks", []):
        info = bench.get("extra_info", {})
        if info.get("ops") and all(
            k in info for k in ("library", "event_loop", "workload", "impl")
        ):
            key = info["workload"], info["event_loop"]
            runs.setdefault(key, {}).setdefault(info["impl"], []).append(bench)
    return runs


def ns_per_op(passes, stat):
    """Nanoseconds per operation over the pooled rounds of every pass."""
    rounds = [t / b["extra_info"]["ops"] for b in passes for t in b["stats"]["data"]]
    return STATS[stat](rounds) * 1e9


def extra(passes, key):
    """``extra_info[key]`` from the first pass that recorded it."""
    return next((b["extra_info"][key] for b in passes or () if key in b["extra_info"]), None)


def ratio(numerator, denominator):
    return numerator / denominator if numerator and denominator else None


def reader_figures(pair, stat):
    """(asyncio ns/op, fastio ns/op, asyncio time / fastio time) of one reader workload."""
    a, f = (pair.get(impl) for impl in IMPLS)
    a_ns = ns_per_op(a, stat) if a else None
    f_ns = ns_per_op(f, stat) if f else None
    return a_ns, f_ns, ratio(a_ns, f_ns)


def long_line_growth(results, stat):
    """{impl: ns/byte at 1 MiB / ns/byte at 256 KiB}, None where either is missing."""
    growth = {}
    for impl in IMPLS:
        small = results.get(LONG_SMALL, {}).get(impl)
        large = results.get(LONG_LARGE, {}).get(impl)
        growth[impl] = ns_per_op(large, stat) / ns_per_op(small, stat) if small and large else None
    return growth


def net_best(runs, key):
    """Best messages per second over ``runs``, with seconds from ``key``."""
    rates = [r["net_messages"] / r[key] for r in runs or () if r.get(key, 0) > 0]
    return max(rates) if rates else None


def network_figures(servers):
    """({server: messages per server-CPU-s}, {server: messages per wall-s}) of one
    (workload, loop), each the best of its runs; None for a server with none."""
    cpu = {s: net_best(servers.get(s), "net_server_cpu_s") for s in NET_SERVERS}
    wall = {s: net_best(servers.get(s), "net_wall_s") for s in NET_SERVERS}
    return cpu, wall


def library_figures(pair, stat):
    """(asyncio ops/s, fastio ops/s, fastio / asyncio) of one (workload, loop)."""
    a, f = (pair.get(impl) for impl in IMPLS)
    a_rate = 1e9 / ns_per_op(a, stat) if a else None
    f_rate = 1e9 / ns_per_op(f, stat) if f else None
    return a_rate, f_rate, ratio(f_rate, a_rate)


def by_workload_and_loop(groups, workloads):
    """(workload, loop, group) for each non-empty group of {(workload, loop): group},
    workload by workload, in the order the tables list them."""
    loops = in_order(LOOPS, (k[1] for k in groups))
    for workload in in_order(workloads, (k[0] for k in groups)):
        for loop in loops:
            if groups.get((workload, loop)):
                yield workload, loop, groups[workload, loop]


def add_stat_argument(parser):
    parser.add_argument(
        "--stat",
        choices=tuple(STATS),
        default="min",
        help="which round time to divide by the operations (default: min, the fastest)",
    )


def load_run(path):
    """(document, reader results, network runs, library runs) of the JSON at ``path``.

    Exits with a message if it cannot be read or holds no fastio results.
    """
    try:
        doc, results = load(path)
    except (OSError, ValueError) as exc:
        sys.exit(f"{path}: {exc}")
    net = load_network(doc)
    libs = load_libraries(doc)
    if not results and not net and not libs:
        sys.exit(f"{path}: no fastio benchmark results in it")
    return doc, results, net, libs
