"""Draw one ``make bench`` run as a PNG: how much faster fastio is, workload by workload.

    python benchmarks/chart.py .benchmarks/latest.json docs/benchmarks.png

Panels of horizontal bars, one bar per event loop (asyncio's default
loop, uvloop) where the benchmark runs on both, with the goal marked:

- reader micro-benchmarks: asyncio time / fastio time (default loop only);
- loopback network servers: fastio streams / asyncio streams, messages per
  second of server CPU, the median pair with whiskers from the lowest pair
  to the highest, the pipelined rows and those near 1x (workloads.NET_NEAR_ONE)
  in panels of their own;
- the same servers: fastio streams' share of a raw asyncio.Protocol server,
  likewise;
- client libraries after ``fastio.install()``: fastio / asyncio operations per
  second, the median pass with whiskers from the lowest pass to the highest.

The figures are the ones report.py prints from the same JSON and ``--stat``
(results.py computes both); the run's interpreter, machine and commit are
printed under the chart.
"""
import argparse
import importlib.util
import sys
from pathlib import Path

from report import fmt_ratio, fmt_share, header_lines
from results import (
    NetworkFigures,
    add_stat_argument,
    by_workload_and_loop,
    library_figures,
    load_run,
    reader_figures,
)
from workloads import (
    LIB_WORKLOADS,
    LOOPS,
    NET_NEAR_ONE,
    NET_RAW_GOALS,
    NET_WORKLOADS,
    READER_GOALS,
    READER_ORDER,
    in_order,
    lib_goal,
    net_goal,
)

# A loop workloads.LOOPS does not name gets OTHER_LOOP_COLOUR and its own name.
LOOP_COLOURS = {"default": "#3b6ea5", "uvloop": "#e08a2e"}
LOOP_LABELS = {"default": "asyncio's default loop", "uvloop": "uvloop"}
OTHER_LOOP_COLOUR = "#7a7a7a"
GOAL_COLOUR = "#222222"
SPREAD_COLOUR = "#555555"  # whiskers from the lowest to the highest pair
SAME_AS_ASYNCIO = {"color": "#999999", "linewidth": 0.8, "linestyle": "--"}  # the 1x line
BAR_SPACE = 0.8  # of each workload's row, shared by its loops' bars
HEAD_INCHES, FOOT_INCHES = 0.6, 0.45  # the title and legend; the run's description


def panels(results, net, libs, stat):
    """[(title, kind, {workload: {loop: (value, goal, low, high)}})], kind "ratio"
    or "share"; low and high (the lowest and highest pair) or None."""
    out = []
    if results:
        out.append((
            "Reader, bytes already fed: asyncio time / fastio time",
            "ratio",
            {w: {"default": (reader_figures(results[w], stat)[2], READER_GOALS.get(w), None, None)}
             for w in in_order(READER_ORDER, results)},
        ))
    if net:
        speed_up, of_raw = {}, {}
        for workload, loop, servers in by_workload_and_loop(net, NET_WORKLOADS):
            fig = NetworkFigures(servers)
            speed_up.setdefault(workload, {})[loop] = _spread_bar(
                fig.vs_asyncio["fastio"], net_goal(workload, loop))
            of_raw.setdefault(workload, {})[loop] = _spread_bar(
                fig.of_raw["fastio"], NET_RAW_GOALS.get(workload))
        far = {w: v for w, v in speed_up.items() if w not in NET_NEAR_ONE}
        near = {w: v for w, v in speed_up.items() if w in NET_NEAR_ONE}
        title = "Loopback servers{}: fastio / asyncio streams per server-CPU second"
        for rows, which in ((far, " (pipelined, bulk)"),
                            (near, " (one request at a time, asyncio_tcp)")):
            if rows:
                out.append((title.format(which if far and near else ""), "ratio", rows))
        out.append((
            "Loopback servers: fastio streams as a share of a raw asyncio.Protocol server",
            "share", of_raw))
    if libs:
        speed_up = {}
        for workload, loop, pair in by_workload_and_loop(libs, LIB_WORKLOADS):
            speed_up.setdefault(workload, {})[loop] = _spread_bar(
                library_figures(pair, stat)[2], lib_goal(workload))
        out.append((
            "Client libraries after fastio.install(): fastio / asyncio, operations per second",
            "ratio", speed_up))
    return out


def _spread_bar(spread, goal):
    """(median, goal, lowest, highest) of a Spread; figures None without one."""
    if spread is None:
        return None, goal, None, None
    return spread.median, goal, spread.low, spread.high


def draw(ax, title, kind, rows):
    workloads = list(rows)
    loops = in_order(LOOPS, (loop for per_loop in rows.values() for loop in per_loop))
    height = BAR_SPACE / len(loops)
    top = 0.0
    for y, workload in enumerate(workloads):
        for i, loop in enumerate(loops):
            if loop not in rows[workload]:
                continue
            value, goal, low, high = rows[workload][loop]
            centre = y - BAR_SPACE / 2 + height * (i + 0.5)
            text = fmt_share(value) if kind == "share" else fmt_ratio(value)
            if value is not None:
                ax.barh(centre, value, height=height * 0.9,
                        color=LOOP_COLOURS.get(loop, OTHER_LOOP_COLOUR))
                top = max(top, value)
            if low is not None and high is not None and low < high:
                ax.errorbar(value, centre, xerr=[[value - low], [high - value]], fmt="none",
                            ecolor=SPREAD_COLOUR, elinewidth=0.9, capsize=2)
                top = max(top, high)
            ax.annotate(text, (max(value or 0, high or 0), centre), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=7)
            if goal is not None:
                top = max(top, goal)
                ax.plot([goal, goal], [centre - height / 2, centre + height / 2],
                        color=GOAL_COLOUR, linewidth=1.5)
    ax.set_yticks(range(len(workloads)), workloads, fontsize=8)
    ax.set_ylim(len(workloads) - 0.5, -0.5)  # first workload at the top
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(axis="x", labelsize=7)
    if kind == "share":
        ax.set_xlim(0, max(1.15, top * 1.05))
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}" if x <= 1 else "")
    else:
        ax.axvline(1, **SAME_AS_ASYNCIO)
        ax.set_xlim(0, top * 1.15 or 1)
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:g}x")
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def chart(doc, results, net, libs, path, stat="min"):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    drawn = panels(results, net, libs, stat)
    heights = [len(rows) + 1.2 for _, _, rows in drawn]
    height = 0.42 * sum(heights) + HEAD_INCHES + FOOT_INCHES
    fig, axes = plt.subplots(len(drawn), 1, figsize=(9, height),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (title, kind, rows) in zip(axes[:, 0], drawn):
        draw(ax, title, kind, rows)
    loops = {loop for _, _, rows in drawn for per_loop in rows.values() for loop in per_loop}
    handles = [Patch(color=LOOP_COLOURS.get(loop, OTHER_LOOP_COLOUR),
                     label=LOOP_LABELS.get(loop, loop))
               for loop in in_order(LOOPS, loops)]
    handles.append(Line2D([], [], color=GOAL_COLOUR, linewidth=1.5, label="goal"))
    handles.append(Line2D([], [], color=SPREAD_COLOUR, linewidth=0.9, marker="|",
                          label="lowest to highest pair"))
    handles.append(Line2D([], [], label="1x: as fast as asyncio", **SAME_AS_ASYNCIO))
    fig.suptitle("fastio vs asyncio streams (higher is better for fastio)",
                 x=0.01, y=1 - 0.05 / height, ha="left", fontsize=11)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.005, 1 - 0.3 / height),
               ncol=len(handles), fontsize=8, frameon=False)
    fig.text(0.01, 0.005, "\n".join(header_lines(doc)), fontsize=6.5, color="#555555",
             va="bottom")
    fig.tight_layout(rect=(0, FOOT_INCHES / height, 1, 1 - HEAD_INCHES / height))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="pytest-benchmark JSON (--benchmark-json=PATH)")
    parser.add_argument("png", help="where to write the chart")
    add_stat_argument(parser)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:
        # Locked for CPython only: a run on PyPy still gets its tables.
        print("chart.py: matplotlib is not installed, no chart drawn", file=sys.stderr)
        return
    doc, results, net, libs = load_run(args.json)
    Path(args.png).parent.mkdir(parents=True, exist_ok=True)
    chart(doc, results, net, libs, args.png, args.stat)
    print(f"chart: {args.png}")


if __name__ == "__main__":
    main()
