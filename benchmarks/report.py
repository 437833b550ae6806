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
streams, fastio streams, a raw asyncio.Protocol), each the median of the
repeated runs, with fastio's ratio to asyncio streams on the same loop and
its share of the raw protocol's figure taken run by run (asyncio and fastio
measured back to back form a pair), as the median pair with the lowest and
highest, set against the network goals.

The client-library benchmarks (benchmarks/test_bench_libraries.py: redis-py,
aiomcache, asyncio subprocess pipes, on plain asyncio and after
``fastio.install()``) get a third table: operations per second per workload
and event loop, from the same ``--stat`` round time, and fastio's ratio to
plain asyncio on the same loop set against the library goals.

This file only formats: the workloads and goals are in workloads.py, the
figures are computed in results.py.
"""
import argparse
import sys

from results import (
    NetworkFigures,
    add_stat_argument,
    by_workload_and_loop,
    extra,
    library_figures,
    load_run,
    long_line_growth,
    ratio,
    reader_figures,
)
from workloads import (
    GOAL_PYTHON,
    IMPLS,
    LIB_WORKLOADS,
    LINEAR_LIMIT,
    LONG_LARGE,
    MEMORY_ROWS,
    MIN_PAIR,
    NET_LABELS,
    NET_RAW_GOALS,
    NET_SERVERS,
    NET_WORKLOADS,
    READER_GOALS,
    READER_ORDER,
    in_order,
    lib_goal,
    net_goal,
)


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


def fmt_share(value):
    return "-" if value is None else f"{value:.0%}"


def verdict(met, markdown):
    if met is None:
        return "n/a"
    if met:
        return "yes"
    return "**NO**" if markdown else "NO  <--"


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


def stat_name(stat):
    return "fastest" if stat == "min" else stat


def pooled(groups):
    """"(rounds of N passes pooled)" for {workload: {impl: [entry per pass]}}."""
    passes = max(len(runs) for pair in groups.values() for runs in pair.values())
    return f"(rounds of {passes} pass{'es' if passes > 1 else ''} pooled)"


# -- reader micro-benchmarks --------------------------------------------------


def timing_rows(results, stat, markdown):
    rows = []
    for workload in in_order(READER_ORDER, results):
        pair = results[workload]
        a_ns, f_ns, speed_up = reader_figures(pair, stat)
        goal = READER_GOALS.get(workload)
        met = None if goal is None or speed_up is None else speed_up >= goal
        rows.append(
            [
                workload,
                extra(pair.get("asyncio") or pair.get("fastio"), "unit"),
                fmt_num(a_ns),
                fmt_num(f_ns),
                fmt_ratio(speed_up),
                f">= {goal:g}x" if goal else "-",
                verdict(met, markdown) if goal else "",
            ]
        )
        if workload == LONG_LARGE:
            rows.append(linearity_row(results, stat, markdown))
    return rows


def linearity_row(results, stat, markdown):
    """ns/byte at 1 MiB divided by ns/byte at 256 KiB, for each implementation."""
    growth = long_line_growth(results, stat)
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
    for key, label in MEMORY_ROWS.items():
        a, f = (extra(bench.get(impl), key) for impl in IMPLS)
        rows.append([label, fmt_num(a), fmt_num(f), fmt_ratio(ratio(f, a))])
    readers = next(filter(None, (extra(p, "mem_readers") for p in bench.values())), None)
    return rows, readers


def reader_section(results, stat, markdown):
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
        f"ns/op: {stat_name(stat)} round's time / operations per round {pooled(results)}."
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


# -- loopback network ---------------------------------------------------------


def fmt_spread(spread, fmt):
    """"median [lowest-highest]" of a Spread, with ``fmt`` for each figure."""
    if spread is None:
        return "-"
    if spread.n == 1 or spread.low == spread.high:
        return fmt(spread.median)
    return f"{fmt(spread.median)} [{fmt(spread.low)}-{fmt(spread.high)}]"


def network_rows(net, markdown):
    rows = []
    for workload, loop, servers in by_workload_and_loop(net, NET_WORKLOADS):
        fig = NetworkFigures(servers)
        unit = next(r["net_unit"] for runs in servers.values() for r in runs)
        for server in NET_SERVERS:
            if server not in servers:
                rows.append([workload, loop, NET_LABELS[server], unit, "",
                             "no result", "", "", "", "", "", ""])
                continue
            vs = fig.vs_asyncio[server]
            of_raw = fig.of_raw[server]
            goal_text, met_text = "", ""
            if server == "fastio":
                goal_text, met_text = network_goals(workload, loop, vs, of_raw, markdown)
            rows.append([
                workload,
                loop,
                NET_LABELS[server],
                unit,
                str(fig.runs),
                fmt_num(fig.cpu[server]),
                fmt_num(fig.wall[server]),
                fmt_spread(vs, fmt_ratio),
                fmt_ratio(fig.wall_vs_asyncio[server] and fig.wall_vs_asyncio[server].median),
                fmt_spread(of_raw, fmt_share),
                goal_text,
                met_text,
            ])
    return rows


def pairs_fail(vs, goal):
    """Why the Spread of pairs `vs` misses `goal` (met by the median pair,
    with no pair below MIN_PAIR): [] if it does not."""
    if vs.straddles_one:
        return ["straddles 1x"]
    if vs.median < goal or vs.low < MIN_PAIR:
        return ["ratio"]
    return []


def network_goals(workload, loop, vs, of_raw, markdown):
    """(goal, verdict) cells of fastio's row: its ratio goal, met by the median
    pair with no pair below MIN_PAIR, and its raw-share goal."""
    goals, failed, unknown = [], [], False
    goal = net_goal(workload, loop)
    if goal is not None:
        goals.append(f">= {goal:g}x")
        if vs is None:
            unknown = True
        else:
            failed += pairs_fail(vs, goal)
    raw_goal = NET_RAW_GOALS.get(workload)
    if raw_goal is not None:
        goals.append(f">= {raw_goal:.0%} of raw")
        if of_raw is None:
            unknown = True
        elif of_raw.median < raw_goal:
            failed.append("raw")
    if not goals:
        return "-", ""
    if failed:
        which = " + ".join(failed)
        return ", ".join(goals), f"**NO** ({which})" if markdown else f"NO ({which}) <--"
    return ", ".join(goals), "n/a" if unknown else "yes"


def network_section(net, markdown):
    descriptions = {}
    for servers in net.values():
        for runs in servers.values():
            for r in runs:
                if r.get("net_desc"):
                    descriptions.setdefault(r["net_workload"], r["net_desc"])
    title = (
        "Loopback network (127.0.0.1): server in its own process, client in the benchmark"
        " process; asyncio and fastio measured back to back in each run (a pair),"
        " ratios taken pair by pair: median [lowest-highest]."
    )
    out = [f"**{title}**" if markdown else title, ""]
    out.append(
        table(
            ["workload", "loop", "server", "per", "runs", "per server-CPU-s", "per wall-s",
             "CPU vs asyncio", "wall vs asyncio", "% of raw (CPU)", "goal", "met?"],
            network_rows(net, markdown),
            markdown,
            right={4, 5, 6, 7, 8, 9},
        )
    )
    out += [
        "",
        "per server-CPU-s: messages (or MiB) per second of the server process's user+system"
        " CPU time (getrusage in the server, before and after the workload), median of the"
        " runs. per wall-s: the same per second of wall time, as the client sees it.",
        "CPU vs asyncio: this server's figure / the same loop's asyncio streams figure in the"
        " same run, median of the runs with the lowest and highest; wall vs asyncio: its"
        " median per wall second.",
        "% of raw: of the same loop's raw asyncio.Protocol figure in the same run. Goals are"
        f" for fastio streams, on server CPU: the median pair, and no pair below"
        f" {MIN_PAIR:g}x; pairs on both sides of 1x are reported as such.",
    ]
    out += [f"{w}: {descriptions[w]}" for w in in_order(NET_WORKLOADS, descriptions)]
    return out


# -- client libraries ---------------------------------------------------------


def library_rows(libs, stat, markdown):
    rows = []
    for workload, loop, pair in by_workload_and_loop(libs, LIB_WORKLOADS):
        a_rate, f_rate, vs = library_figures(pair, stat)
        goal = lib_goal(workload)
        if vs is None:
            met = "n/a"
        elif failed := pairs_fail(vs, goal):
            met = f"**NO** ({failed[0]})" if markdown else f"NO ({failed[0]}) <--"
        else:
            met = "yes"
        rows.append([
            workload,
            loop,
            extra(pair.get("asyncio") or pair.get("fastio"), "unit"),
            fmt_num(a_rate),
            fmt_num(f_rate),
            fmt_spread(vs, fmt_ratio),
            f">= {goal:g}x",
            met,
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
        f"/s: operations per second of the {stat_name(stat)} round"
        f" {pooled(libs)}. ratio: fastio / asyncio, same loop, pass by pass (each"
        " pass times asyncio, then fastio: a pair), median [lowest-highest]; the goal"
        f" is met by the median pair with no pair below {MIN_PAIR:g}x.",
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
        sections.append(reader_section(results, stat, markdown))
    if net:
        sections.append(network_section(net, markdown))
    if libs:
        sections.append(library_section(libs, stat, markdown))
    for section in sections:
        out += ["", *section]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="pytest-benchmark JSON (--benchmark-json=PATH)")
    parser.add_argument(
        "--markdown", action="store_true", help="print Markdown tables to paste into README.md"
    )
    add_stat_argument(parser)
    args = parser.parse_args(argv)
    doc, results, net, libs = load_run(args.json)
    print(report(doc, results, stat=args.stat, markdown=args.markdown, net=net, libs=libs))
    if not args.markdown:
        print(f"\n(For README.md: python {sys.argv[0]} --markdown {args.json})")


if __name__ == "__main__":
    main()
