"""Compare asyncio's and fastio's StreamReader from one pytest-benchmark JSON file.

    python benchmarks/report.py .benchmarks/latest.json             # plain text
    python benchmarks/report.py --markdown .benchmarks/latest.json  # for README.md

Pairs the two implementations' results per workload (the ``workload`` and
``impl`` the benchmarks store in ``extra_info``), divides a round's time by the
operations it performed, and sets the ratio (asyncio time / fastio time)
against the project's goals. It only reports: unmet goals are marked, never
turned into a failure.

The round time used is the fastest round (``--stat min``, the default): the
work measured is deterministic, so anything slower is interference from the
rest of the machine, and on a busy 2-core machine the median of a block of
rounds moves with whatever else ran at that moment. ``--stat median`` gives
the median instead. Either is taken over the rounds of all passes together
(the suite runs every benchmark in a few passes spread over the run).

The loopback network benchmarks (benchmarks/test_bench_network.py) get a
table of their own: messages per second of the server process's CPU time and
per second of wall time, per workload, event loop and server (asyncio
streams, fastio streams, a raw asyncio.Protocol), each the best of the
repeated runs, with fastio's ratio to asyncio streams on the same loop and
its share of the raw protocol's figure set against the network goals.

The client-library benchmarks (benchmarks/test_bench_libraries.py: redis-py,
aiomcache, asyncio subprocess pipes, on plain asyncio and after
``fastio.install()``) get a third table: operations per second per workload
and event loop, from the same ``--stat`` round time, and fastio's ratio to
plain asyncio on the same loop set against the library goals.
"""
import argparse
import json
import statistics
import sys

# Minimum speed-up (asyncio time / fastio time), for CPython 3.11.
GOALS = {
    "readline": 5.0,
    "fed-then-read": 4.0,
    "readexactly (frames)": 4.0,
    "readuntil": 3.0,
    "bulk read(65536)": 1.5,
}
LONG_SMALL, LONG_LARGE = "long line 256 KiB", "long line 1 MiB"
ORDER = [*GOALS, LONG_SMALL, LONG_LARGE, "construct"]
# The long line is "linear" if its cost per byte at 1 MiB is within this
# factor of its cost per byte at 256 KiB. Rescanning the whole buffer on every
# wake-up (quadratic) measured about 1.9x: the fixed cost of an event-loop turn
# per 100-byte piece hides part of the 4x.
LINEAR_LIMIT = 1.5
GOAL_PYTHON = "3.11"
IMPLS = ("asyncio", "fastio")


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


STATS = {"min": min, "median": statistics.median, "mean": statistics.fmean}


def ns_per_op(passes, stat):
    """Nanoseconds per operation over the pooled rounds of every pass."""
    rounds = [t / b["extra_info"]["ops"] for b in passes for t in b["stats"]["data"]]
    return STATS[stat](rounds) * 1e9


def extra(passes, key):
    """``extra_info[key]`` from the first pass that recorded it."""
    return next((b["extra_info"][key] for b in passes or () if key in b["extra_info"]), None)


def fmt_num(value):
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def verdict(met, markdown):
    if met is None:
        return "n/a"
    if met:
        return "yes"
    return "**NO**" if markdown else "NO  <--"


def timing_rows(results, stat, markdown):
    rows = []
    for workload in ORDER + sorted(set(results) - set(ORDER)):
        pair = results.get(workload)
        if not pair:
            continue
        a, f = (pair.get(impl) for impl in IMPLS)
        a_ns = ns_per_op(a, stat) if a else None
        f_ns = ns_per_op(f, stat) if f else None
        ratio = a_ns / f_ns if a_ns and f_ns else None
        unit = extra(a or f, "unit")
        goal = GOALS.get(workload)
        met = None if goal is None or ratio is None else ratio >= goal
        rows.append(
            [
                workload,
                unit,
                fmt_num(a_ns),
                fmt_num(f_ns),
                fmt_ratio(ratio),
                f">= {goal:g}x" if goal else "-",
                verdict(met, markdown) if goal else "",
            ]
        )
        if workload == LONG_LARGE:
            rows.append(linearity_row(results, stat, markdown))
    return rows


def linearity_row(results, stat, markdown):
    """ns/byte at 1 MiB divided by ns/byte at 256 KiB, for each implementation."""
    growth = {}
    for impl in IMPLS:
        small = results.get(LONG_SMALL, {}).get(impl)
        large = results.get(LONG_LARGE, {}).get(impl)
        growth[impl] = ns_per_op(large, stat) / ns_per_op(small, stat) if small and large else None
    met = None if growth["fastio"] is None else growth["fastio"] <= LINEAR_LIMIT
    return [
        "long line: 1 MiB / 256 KiB",
        "ns/byte",
        fmt_ratio(growth["asyncio"]),
        fmt_ratio(growth["fastio"]),
        "",
        f"linear (<= {LINEAR_LIMIT:g}x)",
        verdict(met, markdown),
    ]


def memory_rows(results):
    bench = results.get("construct", {})
    rows = []
    for key, label in (
        ("mem_idle", "idle (never fed)"),
        ("mem_drained", "fed 4 KiB once, drained"),
    ):
        a, f = (extra(bench.get(impl), key) for impl in IMPLS)
        rows.append([label, fmt_num(a), fmt_num(f), fmt_ratio(f / a) if a and f else "-"])
    readers = next(filter(None, (extra(p, "mem_readers") for p in bench.values())), None)
    return rows, readers


def table(headers, rows, markdown, right=()):
    """Render ``rows`` under ``headers``; columns in ``right`` are right-aligned."""
    cells = [headers] + rows
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(headers))]

    def line(row):
        parts = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        return ("| " + " | ".join(parts) + " |") if markdown else "  ".join(parts).rstrip()

    out = [line(headers)]
    if markdown:
        out.append(
            "|" + "|".join(
                ("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                for i, w in enumerate(widths)
            ) + "|"
        )
    else:
        out.append("  ".join("-" * w for w in widths))
    out += [line(row) for row in rows]
    return "\n".join(out)


def header_lines(doc):
    m = doc.get("machine_info", {})
    c = doc.get("commit_info", {})
    py = m.get("python_version", "?")
    lines = [
        f"Python: {py} ({m.get('python_implementation', '?')}, {m.get('python_compiler', '?')})",
        f"Machine: {m.get('platform') or m.get('system', '?')}; "
        f"CPU: {m.get('cpu_model') or m.get('cpu', {}).get('brand_raw', '?')}; "
        f"nproc: {m.get('nproc') or m.get('cpu', {}).get('count', '?')}",
        f"Measured: {doc.get('datetime', '?')}"
        + (f"; commit {c['id'][:12]}{' (dirty)' if c.get('dirty') else ''}"
           if c.get("id") and c["id"] != "unknown" else ""),
    ]
    if m.get("python_implementation") != "CPython" or not py.startswith(GOAL_PYTHON + "."):
        lines.append(f"Note: the goals are set for CPython {GOAL_PYTHON}; this run is not.")
    return lines


# -- loopback network (benchmarks/test_bench_network.py) ----------------------

NET_WORKLOADS = ("line echo", "frames", "ping-pong", "bulk")
NET_LOOPS = ("default", "uvloop")
NET_SERVERS = ("asyncio", "fastio", "raw")
NET_LABELS = {"asyncio": "asyncio streams", "fastio": "fastio streams", "raw": "raw Protocol"}
# Minimum fastio/asyncio ratio of messages per server-CPU-second, by
# (workload, loop); loop None: on every loop.
NET_GOALS = {
    ("line echo", "default"): 5.0,
    ("line echo", "uvloop"): 4.0,
    ("frames", None): 4.0,
    ("ping-pong", None): 1.05,
    ("bulk", None): 1.0,
}
# Minimum fastio / raw-protocol share of messages per server-CPU-second.
NET_RAW_GOALS = {"line echo": 0.40}


def load_network(doc):
    """{(workload, loop): {server: [extra_info of each run]}} from the network benchmarks."""
    runs = {}
    for bench in doc.get("benchmarks", []):
        info = bench.get("extra_info", {})
        if all(k in info for k in ("net_workload", "net_loop", "net_server", "net_messages")):
            key = info["net_workload"], info["net_loop"]
            runs.setdefault(key, {}).setdefault(info["net_server"], []).append(info)
    return runs


def net_best(runs, key):
    """Best messages per second over ``runs``, with seconds from ``key``."""
    rates = [r["net_messages"] / r[key] for r in runs or () if r.get(key, 0) > 0]
    return max(rates) if rates else None


def net_goal(workload, loop):
    return NET_GOALS.get((workload, loop), NET_GOALS.get((workload, None)))


def in_order(known, present):
    """The names in ``present``: those in ``known`` in its order, then the rest sorted."""
    present = set(present)
    return [name for name in known if name in present] + sorted(present - set(known))


def by_workload_and_loop(groups, workloads):
    """(workload, loop, group) for each non-empty group of {(workload, loop): group},
    workload by workload, in the order the tables list them."""
    loops = in_order(NET_LOOPS, (k[1] for k in groups))
    for workload in in_order(workloads, (k[0] for k in groups)):
        for loop in loops:
            if groups.get((workload, loop)):
                yield workload, loop, groups[workload, loop]


def network_rows(net, markdown):
    rows = []
    for workload, loop, servers in by_workload_and_loop(net, NET_WORKLOADS):
        cpu = {s: net_best(servers.get(s), "net_server_cpu_s") for s in NET_SERVERS}
        wall = {s: net_best(servers.get(s), "net_wall_s") for s in NET_SERVERS}
        unit = next(r["net_unit"] for runs in servers.values() for r in runs)
        for server in NET_SERVERS:
            if server not in servers:
                rows.append([workload, loop, NET_LABELS[server], unit,
                             "no result", "", "", "", "", "", ""])
                continue
            vs_cpu = cpu[server] / cpu["asyncio"] if cpu[server] and cpu["asyncio"] else None
            vs_wall = (wall[server] / wall["asyncio"]
                       if wall[server] and wall["asyncio"] else None)
            of_raw = cpu[server] / cpu["raw"] if cpu[server] and cpu["raw"] else None
            goal_text, met_text = "", ""
            if server == "fastio":
                goals, met = [], []
                goal = net_goal(workload, loop)
                if goal is not None:
                    goals.append(f">= {goal:g}x")
                    met.append(None if vs_cpu is None else vs_cpu >= goal)
                raw_goal = NET_RAW_GOALS.get(workload)
                if raw_goal is not None:
                    goals.append(f">= {raw_goal:.0%} of raw")
                    met.append(None if of_raw is None else of_raw >= raw_goal)
                goal_text = ", ".join(goals) or "-"
                if goals:
                    met_text = net_verdict(met, markdown)
            rows.append([
                workload,
                loop,
                NET_LABELS[server],
                unit,
                fmt_num(cpu[server]),
                fmt_num(wall[server]),
                fmt_ratio(vs_cpu),
                fmt_ratio(vs_wall),
                "-" if of_raw is None else f"{of_raw:.0%}",
                goal_text,
                met_text,
            ])
    return rows


def net_verdict(met, markdown):
    """One verdict for several goals: yes, n/a, or which of them failed."""
    if any(m is False for m in met):
        if len(met) == 1:
            return verdict(False, markdown)
        which = "+".join(name for name, m in zip(("ratio", "raw"), met) if m is False)
        return f"**NO** ({which})" if markdown else f"NO ({which}) <--"
    if any(m is None for m in met):
        return "n/a"
    return "yes"


def network_section(net, markdown):
    runs_per_row = max(len(runs) for servers in net.values() for runs in servers.values())
    descriptions = {}
    for servers in net.values():
        for runs in servers.values():
            for r in runs:
                if r.get("net_desc"):
                    descriptions.setdefault(r["net_workload"], r["net_desc"])
    title = (
        f"Loopback network (127.0.0.1): server in its own process, client in the benchmark"
        f" process; each row is the best of {runs_per_row} run{'s' if runs_per_row > 1 else ''}"
        " (server CPU and wall time each taken at their best run)."
    )
    out = [f"**{title}**" if markdown else title, ""]
    out.append(
        table(
            ["workload", "loop", "server", "per", "per server-CPU-s", "per wall-s",
             "CPU vs asyncio", "wall vs asyncio", "% of raw (CPU)", "goal", "met?"],
            network_rows(net, markdown),
            markdown,
            right={4, 5, 6, 7, 8},
        )
    )
    out += [
        "",
        "per server-CPU-s: messages (or MiB) per second of the server process's user+system"
        " CPU time (getrusage in the server, before and after the workload).",
        "per wall-s: the same per second of wall time, as the client sees it."
        " vs asyncio: the same loop's asyncio streams figure, same run of the suite.",
        "% of raw: of the same loop's raw asyncio.Protocol figure (one transport.write per"
        " data_received). Goals are for fastio streams, on server CPU.",
    ]
    for workload in NET_WORKLOADS + tuple(sorted(set(descriptions) - set(NET_WORKLOADS))):
        if workload in descriptions:
            out.append(f"{workload}: {descriptions[workload]}")
    return out


# -- client libraries (benchmarks/test_bench_libraries.py) --------------------

LIB_WORKLOADS = (
    "redis SET/GET",
    "redis pipeline(100)",
    "aiomcache set/get",
    "aiomcache multi_get(100)",
    "subprocess readline",
)
# Minimum fastio/asyncio ratio of operations per second, on every loop;
# LIB_MIN_GOAL for the others: nothing slower.
LIB_GOALS = {
    "redis pipeline(100)": 1.05,
    "aiomcache multi_get(100)": 1.3,
    "subprocess readline": 1.5,
}
LIB_MIN_GOAL = 1.0


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


def library_rows(libs, stat, markdown):
    rows = []
    for workload, loop, pair in by_workload_and_loop(libs, LIB_WORKLOADS):
        a, f = (pair.get(impl) for impl in IMPLS)
        a_rate = 1e9 / ns_per_op(a, stat) if a else None
        f_rate = 1e9 / ns_per_op(f, stat) if f else None
        ratio = f_rate / a_rate if a_rate and f_rate else None
        goal = LIB_GOALS.get(workload, LIB_MIN_GOAL)
        rows.append([
            workload,
            loop,
            extra(a or f, "unit"),
            fmt_num(a_rate),
            fmt_num(f_rate),
            fmt_ratio(ratio),
            f">= {goal:g}x",
            verdict(None if ratio is None else ratio >= goal, markdown),
        ])
    return rows


def library_section(libs, stat, markdown):
    all_passes = [runs for pair in libs.values() for runs in pair.values()]
    versions = sorted({
        f"{info['library']} {info['library_version']}"
        for info in (b["extra_info"] for runs in all_passes for b in runs)
        if info.get("library_version")
    })
    descriptions = {}
    for (workload, _), pair in libs.items():
        descriptions.setdefault(workload, extra(next(iter(pair.values())), "desc"))
    title = "Client libraries, unchanged: plain asyncio vs fastio.install(), operations/s."
    headers = ["workload", "loop", "per", "asyncio /s", "fastio /s", "ratio", "goal", "met?"]
    return [
        f"**{title}**" if markdown else title,
        "",
        table(headers, library_rows(libs, stat, markdown), markdown, right={3, 4, 5}),
        "",
        f"/s: operations per second of the {'fastest' if stat == 'min' else stat} round"
        f" {pooled(libs)}. ratio: fastio / asyncio, same loop, same run"
        " (higher is better for fastio).",
        f"Clients: {', '.join(versions) or '-'}; a fresh event loop and client per"
        " benchmark, one redis-server and one memcached on 127.0.0.1 for both.",
    ] + [
        f"{workload}: {descriptions[workload]}"
        for workload in in_order(LIB_WORKLOADS, descriptions)
        if descriptions[workload]
    ]


def report(doc, results, stat="min", markdown=False, net=None, libs=None):
    out = []
    head = header_lines(doc)
    if markdown:
        out += [f"- {line}" for line in head]
    else:
        title = ("fastio benchmarks: asyncio.StreamReader vs fastio.StreamReader" if results
                 else "fastio benchmarks: asyncio streams vs fastio streams")
        out += [title, *head]
    sections = []
    if results:
        sections.append(reader_section(doc, results, stat, markdown))
    if net:
        sections.append(network_section(net, markdown))
    if libs:
        sections.append(library_section(libs, stat, markdown))
    for section in sections:
        out += ["", *section]
    return "\n".join(out)


def pooled(groups):
    """"(rounds of N passes pooled)" for {workload: {impl: [entry per pass]}}."""
    passes = max(len(runs) for pair in groups.values() for runs in pair.values())
    return f"(rounds of {passes} pass{'es' if passes > 1 else ''} pooled)"


def reader_section(doc, results, stat, markdown):
    out = []
    missing = [impl for impl in IMPLS if not any(impl in pair for pair in results.values())]
    if missing:
        out += [f"No results for: {', '.join(missing)} (not built, or deselected).", ""]

    out.append(
        table(
            ["workload", "per", "asyncio ns/op", "fastio ns/op", "ratio", "goal", "met?"],
            timing_rows(results, stat, markdown),
            markdown,
            right={2, 3, 4},
        )
    )
    out += [
        "",
        f"ns/op: {'fastest' if stat == 'min' else stat} round's time / operations per round"
        f" {pooled(results)}."
        " ratio: asyncio time / fastio time (higher is better for fastio).",
        "long line: one 100-byte feed_data per event-loop turn to a pending readline;"
        " the linearity row divides the two sizes' ns/byte.",
        "",
    ]

    rows, readers = memory_rows(results)
    out.append(
        table(
            [
                "reader memory (tracemalloc)",
                "asyncio B/reader",
                "fastio B/reader",
                "fastio/asyncio",
            ],
            rows,
            markdown,
            right={1, 2, 3},
        )
    )
    if readers:
        out += ["", f"Bytes held per reader, averaged over {readers:,} readers alive at once."]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="pytest-benchmark JSON (--benchmark-json=PATH)")
    parser.add_argument(
        "--markdown", action="store_true", help="print Markdown tables to paste into README.md"
    )
    parser.add_argument(
        "--stat",
        choices=tuple(STATS),
        default="min",
        help="which round time to divide by the operations (default: min, the fastest)",
    )
    args = parser.parse_args(argv)
    try:
        doc, results = load(args.json)
    except (OSError, ValueError) as exc:
        sys.exit(f"{args.json}: {exc}")
    net = load_network(doc)
    libs = load_libraries(doc)
    if not results and not net and not libs:
        sys.exit(f"{args.json}: no fastio benchmark results in it")
    print(report(doc, results, stat=args.stat, markdown=args.markdown, net=net, libs=libs))
    if not args.markdown:
        print(f"\n(For README.md: python {sys.argv[0]} --markdown {args.json})")


if __name__ == "__main__":
    main()
