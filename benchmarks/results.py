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


class Spread:
    """The median of several ratios with the lowest and highest of them."""

    def __init__(self, values):
        self.n = len(values)
        self.median = statistics.median(values)
        self.low, self.high = min(values), max(values)

    @property
    def straddles_one(self):
        """Some ratios below 1x and some above: no side is faster for sure."""
        return self.low < 1.0 < self.high


def spread(values):
    """A Spread of the values that are not None, or None if there are none."""
    values = [v for v in values if v is not None]
    return Spread(values) if values else None


def _rate(run, key):
    """A run's messages per second of ``key`` (server CPU or wall), or None."""
    return run["net_messages"] / run[key] if run and run.get(key, 0) > 0 else None


class NetworkFigures:
    """One (workload, loop)'s servers compared repetition by repetition.

    Repetition r of every server forms one pair (or triple): each ratio is
    taken inside it, then the ratios of all repetitions are summarised.
    Rates are each server's median over its runs.
    """

    def __init__(self, servers):
        by_rep = {s: {r.get("net_rep", i): r for i, r in enumerate(servers.get(s) or ())}
                  for s in NET_SERVERS}
        reps = sorted({rep for runs in by_rep.values() for rep in runs})
        self.runs = len(reps)

        def rates(server, key):
            return [_rate(by_rep[server].get(rep), key) for rep in reps]

        cpu = {s: rates(s, "net_server_cpu_s") for s in NET_SERVERS}
        wall = {s: rates(s, "net_wall_s") for s in NET_SERVERS}
        self.cpu = {s: _median(v) for s, v in cpu.items()}
        self.wall = {s: _median(v) for s, v in wall.items()}
        # {server: Spread of server / asyncio}, per server-CPU and per wall second
        self.vs_asyncio = {s: spread(map(ratio, cpu[s], cpu["asyncio"])) for s in NET_SERVERS}
        self.wall_vs_asyncio = {s: spread(map(ratio, wall[s], wall["asyncio"]))
                                for s in NET_SERVERS}
        # {server: Spread of server / raw protocol}, per server-CPU second
        self.of_raw = {s: spread(map(ratio, cpu[s], cpu["raw"])) for s in NET_SERVERS}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def library_figures(pair, stat):
    """(asyncio ops/s, fastio ops/s, Spread of fastio / asyncio) of one
    (workload, loop): the rates over every pass pooled, the ratio pass by
    pass (each pass times asyncio's rounds, then fastio's: a pair)."""
    a, f = (pair.get(impl) for impl in IMPLS)
    a_rate = 1e9 / ns_per_op(a, stat) if a else None
    f_rate = 1e9 / ns_per_op(f, stat) if f else None
    passes = {}
    for impl in IMPLS:
        for entry in pair.get(impl) or ():
            passes.setdefault(entry["extra_info"].get("bench_pass"), {})[impl] = entry
    ratios = spread(
        ratio(ns_per_op([p["asyncio"]], stat), ns_per_op([p["fastio"]], stat))
        for p in passes.values() if len(p) == len(IMPLS))
    return a_rate, f_rate, ratios


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
