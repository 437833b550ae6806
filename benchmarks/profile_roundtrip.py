"""Where a round trip's instructions and system calls go, server by server.

    python benchmarks/profile_roundtrip.py [--tools callgrind strace]
        [--loops default uvloop] [--impls asyncio fastio raw]
        [--workloads pingpong http echo1k churn] [--out build/profile]

(``make profile`` runs it with the defaults.) For each event loop and server
of benchmarks/netserver.py (asyncio streams, fastio streams, a raw
asyncio.Protocol) it drives the request/response workloads of
benchmarks/test_bench_network.py with ONE connection at a time, so that each
round trip is a wake-up of the server's loop of its own and the counts do not
depend on how replies happen to batch, and counts in the server only:

    callgrind  instructions (valgrind --tool=callgrind, instrumentation
               switched on by callgrind_control after an untimed warm-up of
               every workload, one dump per workload); the dumps and
               callgrind_annotate's inclusive and exclusive listings stay in
               --out for a closer look.
    strace     system calls (strace -c -f attached to the server for the
               measured run only).

Both are deterministic up to a few per cent (garbage collection, the odd
partial read), unlike CPU time on a shared machine, so a change's effect can
be read off a before/after pair of runs. Printed: a Markdown table of
instructions and system calls per round trip (per connection for churn),
then for each workload and loop the functions whose instructions per round
trip differ most between fastio streams and the raw protocol, and between
fastio and asyncio streams.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_bench_network import (
    HTTP_RESPONSE,
    Server,
    payload,
    run_churn,
    run_request_reply,
)
from workloads import LOOPS, NET_LABELS, NET_SERVERS

# workload -> (its name in the tables, unit, measured count, warm-up count)
WORKLOADS = {
    "pingpong": ("ping-pong", "round trip", 2000, 300),
    "http": ("HTTP keep-alive", "request", 2000, 300),
    "echo1k": ("1 KiB echo", "message", 2000, 300),
    "churn": ("churn", "connection", 300, 100),
}
VALGRIND_START_TIMEOUT = 600.0  # the interpreter and uvloop start slowly under valgrind
STRACE_ATTACH_TIMEOUT = 10.0
TOP = 12  # functions listed per comparison


def run(server, workload, count):
    """``count`` round trips (connections for churn) of ``workload``, one at a time."""
    port = server.ports[workload]
    data = payload(workload)
    if workload == "churn":
        return run_churn(server, port, [data[i % len(data)] for i in range(count)], 1)
    conn = data[0]
    # The first request is the untimed exchange of run_request_reply.
    requests = [conn[i % len(conn)] for i in range(count + 1)]
    return run_request_reply(server, port, [requests],
                             HTTP_RESPONSE if workload == "http" else None)


def warm_up(server, workloads):
    for workload in workloads:
        run(server, workload, WORKLOADS[workload][3])


# -- callgrind ------------------------------------------------------------------


def callgrind_control(server, *args):
    subprocess.run(["callgrind_control", *args, str(server.proc.pid)], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)


def callgrind_dump(server, pattern):
    """Dump the counts so far into a new file; return its path."""
    before = set(glob.glob(pattern))
    callgrind_control(server, "-d")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = set(glob.glob(pattern)) - before
        if new:
            path = new.pop()
            time.sleep(0.5)  # let valgrind finish writing it
            return path
        time.sleep(0.1)
    raise RuntimeError(f"callgrind wrote no dump matching {pattern}")


ANNOTATE_LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*?)(?:\s+\[.*\])?\s*$")


def annotate(path, inclusive):
    """{function: Ir} from callgrind_annotate (inclusive or exclusive costs)."""
    out = subprocess.run(
        ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
         "--threshold=100", "--auto=no", path],
        check=True, capture_output=True, text=True,
    ).stdout
    Path(f"{path}.{'inclusive' if inclusive else 'exclusive'}.txt").write_text(out)
    # A function's lines inlined elsewhere are listed under their own file:
    # their exclusive costs add up; the largest inclusive one holds the rest.
    merge = max if inclusive else int.__add__
    costs = {}
    listing = False
    for line in out.splitlines():
        if "file:function" in line:
            listing = True
            continue
        if not listing or line.startswith("-"):
            continue
        if not line.strip():
            if costs:
                break  # the end of the listing
            continue
        m = ANNOTATE_LINE.match(line)
        if m:
            name = m.group(2)
            # "file:function": the function is what is compared; exclusively,
            # its recursive calls (function'2, ...) are the function too.
            name = name.split(":", 1)[1] if ":" in name else name
            if not inclusive:
                name = re.sub(r"'\d+$", "", name)
            ir = int(m.group(1).replace(",", ""))
            costs[name] = merge(costs[name], ir) if name in costs else ir
    return costs


def total_instructions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"{path}: no totals")


def callgrind_server(loop, impl, workloads, out):
    """{workload: (Ir per round trip, {fn: inclusive}, {fn: exclusive})}, per round trip."""
    stem = str(out / f"callgrind.{loop}-{impl}")
    prefix = ("valgrind", "--tool=callgrind", "--instr-atstart=no", "-q",
              f"--callgrind-out-file={stem}.%p")
    server = Server(impl, loop, prefix=prefix, start_timeout=VALGRIND_START_TIMEOUT)
    pattern = f"{stem}.{server.proc.pid}.*"
    results = {}
    try:
        warm_up(server, workloads)
        callgrind_control(server, "-i", "on")
        callgrind_dump(server, pattern)  # from here on, one dump per workload
        for workload in workloads:
            count = WORKLOADS[workload][2]
            run(server, workload, count)
            path = callgrind_dump(server, pattern)
            final = f"{stem}.{workload}"
            shutil.move(path, final)
            per = {fn: ir / count for fn, ir in annotate(final, True).items()}
            self_ = {fn: ir / count for fn, ir in annotate(final, False).items()}
            results[workload] = (total_instructions(final) / count, per, self_)
    finally:
        server.stop()
        for leftover in glob.glob(f"{stem}.{server.proc.pid}*"):
            os.remove(leftover)
    return results


# -- strace ---------------------------------------------------------------------------


def strace_counts(path):
    """{syscall: calls} from an ``strace -c`` summary."""
    calls = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                calls[parts[-1]] = int(parts[3])
    return calls


def strace_server(loop, impl, workloads, out):
    """{workload: (system calls per round trip, {syscall: per round trip})}."""
    server = Server(impl, loop)
    results = {}
    try:
        warm_up(server, workloads)
        for workload in workloads:
            count = WORKLOADS[workload][2]
            path = out / f"strace.{loop}-{impl}.{workload}"
            tracer = subprocess.Popen(
                ["strace", "-c", "-f", "-o", str(path), "-p", str(server.proc.pid)],
                stderr=subprocess.PIPE, text=True)
            _wait_attached(tracer)
            run(server, workload, count)
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=30)
            calls = strace_counts(path)
            results[workload] = (sum(calls.values()) / count,
                                 {name: n / count for name, n in calls.items()})
    finally:
        server.stop()
    return results


def _wait_attached(tracer):
    deadline = time.monotonic() + STRACE_ATTACH_TIMEOUT
    while time.monotonic() < deadline:
        line = tracer.stderr.readline()
        if "attached" in line:
            return
        if not line and tracer.poll() is not None:
            break
    tracer.kill()
    raise RuntimeError("strace did not attach (is ptrace allowed here?)")


# -- Python-level calls (cProfile) ------------------------------------------------------


def serve_profiled(stem, command):
    """Run ``command`` (an interpreter and a script, as Server starts
    netserver.py) in this process with cProfile switched on by SIGUSR1 and
    its counts written to STEM.N (N = 0, 1, ...) by SIGUSR2."""
    import cProfile
    import runpy

    state = {"profiler": None, "dumps": 0}

    def start(*_):
        state["profiler"] = cProfile.Profile()
        state["profiler"].enable()

    def stop(*_):
        profiler, state["profiler"] = state["profiler"], None
        profiler.disable()
        profiler.dump_stats(f"{stem}.{state['dumps']}")
        state["dumps"] += 1

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.argv = command[1:]
    runpy.run_path(command[1], run_name="__main__")


def _signal(server, signum):
    """Send ``signum`` and make the server run Python code, so that its
    handler runs now (on uvloop a signal alone waits for the next event)."""
    server.proc.send_signal(signum)
    server.cpu()
    server.cpu()


def calls_server(loop, impl, workloads, out):
    """{workload: {function: calls per round trip}} from cProfile's counts."""
    import pstats

    stem = out / f"calls.{loop}-{impl}"
    prefix = (sys.executable, __file__, "--serve-profiled", str(stem), "--")
    server = Server(impl, loop, prefix=prefix)
    results = {}
    try:
        warm_up(server, workloads)
        for n, workload in enumerate(workloads):
            count = WORKLOADS[workload][2]
            _signal(server, signal.SIGUSR1)
            run(server, workload, count)
            _signal(server, signal.SIGUSR2)
            path = Path(f"{stem}.{n}")
            deadline = time.monotonic() + 30
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.2)
            final = Path(f"{stem}.{workload}.pstats")
            path.replace(final)
            counts = {}
            for (filename, _, function), (_, calls, *_rest) in pstats.Stats(
                    str(final)).stats.items():
                name = function if filename == "~" else f"{Path(filename).name}:{function}"
                counts[name] = counts.get(name, 0) + calls / count
            results[workload] = counts
    finally:
        server.stop()
    return results


def calls_table(loops, impls, workloads, calls):
    """Python-level calls per round trip, function by function."""
    out = []
    for workload in workloads:
        for loop in loops:
            per = {impl: calls.get((loop, impl), {}).get(workload, {}) for impl in impls}
            names = {fn for counts in per.values() for fn, n in counts.items() if n >= 0.1}
            # The stdin command that switched the profiler off is not the workload's.
            names = {fn for fn in names if "on_stdin" not in fn and "cpu_seconds" not in fn}
            rows = sorted(names, key=lambda fn: (-max(per[i].get(fn, 0) for i in impls), fn))
            out += [f"#### {WORKLOADS[workload][0]}, {loop}: calls per {WORKLOADS[workload][1]}",
                    "",
                    "| function | " + " | ".join(NET_LABELS[i] for i in impls) + " |",
                    "|---|" + "---:|" * len(impls)]
            out.append("| **all** | " + " | ".join(
                f"**{sum(per[i].values()):.1f}**" for i in impls) + " |")
            for fn in rows:
                out.append(f"| `{fn[:80]}` | " + " | ".join(
                    f"{per[i].get(fn, 0):.2f}" for i in impls) + " |")
            out.append("")
    return "\n".join(out)


# -- tables ---------------------------------------------------------------------------


def fmt(value, digits=0):
    return "-" if value is None else f"{value:,.{digits}f}"


def totals_table(loops, impls, workloads, cg, st, calls):
    lines = ["| workload | per | loop | server | instructions | vs raw | Python calls |"
             " syscalls | syscalls by name |",
             "|---|---|---|---|---:|---:|---:|---:|---|"]
    for workload in workloads:
        name, unit = WORKLOADS[workload][:2]
        for loop in loops:
            for impl in impls:
                ir = cg.get((loop, impl), {}).get(workload, (None,))[0]
                raw = cg.get((loop, "raw"), {}).get(workload, (None,))[0]
                sys_total, by_name = st.get((loop, impl), {}).get(workload, (None, {}))
                profiled = calls.get((loop, impl), {}).get(workload)
                n_calls = sum(profiled.values()) if profiled else None
                named = ", ".join(f"{n} {c:.2f}" for n, c in
                                  sorted(by_name.items(), key=lambda kv: -kv[1]) if c >= 0.01)
                lines.append(
                    f"| {name} | {unit} | {loop} | {NET_LABELS[impl]} | {fmt(ir)} | "
                    f"{fmt(ir / raw, 2) + 'x' if ir and raw else '-'} | {fmt(n_calls, 1)} | "
                    f"{fmt(sys_total, 2)} | {named or '-'} |")
    return "\n".join(lines)


# The interpreter's and Cython's calling machinery: in every inclusive listing
# near the top, whichever Python code they run, so they say nothing there.
CALL_MACHINERY = re.compile(
    r"^(_?PyEval_|_?PyObject_(Vectorcall|Call|FastCall)|_PyFunction_Vectorcall|cfunction_|"
    r"method_vectorcall|context_run|__Pyx_CyFunction_Vectorcall|__Pyx_PyObject_(Fast)?Call|"
    r"0x[0-9a-f]+('\d+)?$)")


def difference_table(title, ours, theirs, their_label, inclusive):
    """The functions whose Ir per round trip differ most between two servers."""
    names = set(ours) | set(theirs)
    if inclusive:
        names = {fn for fn in names if not CALL_MACHINERY.match(fn)}
    diffs = sorted(names, key=lambda fn: -(ours.get(fn, 0) - theirs.get(fn, 0)))
    lines = [title, "",
             f"| function | fastio | {their_label} | difference |", "|---|---:|---:|---:|"]
    for fn in diffs[:TOP]:
        a, b = ours.get(fn, 0), theirs.get(fn, 0)
        lines.append(f"| `{fn[:90]}` | {a:,.0f} | {b:,.0f} | {a - b:+,.0f} |")
    return "\n".join(lines)


def differences(loops, workloads, cg):
    out = []
    for workload in workloads:
        for loop in loops:
            fastio = cg.get((loop, "fastio"), {}).get(workload)
            if not fastio:
                continue
            for other in ("raw", "asyncio"):
                theirs = cg.get((loop, other), {}).get(workload)
                if not theirs:
                    continue
                for kind, index in (("inclusive", 1), ("exclusive", 2)):
                    out.append(difference_table(
                        f"#### {WORKLOADS[workload][0]}, {loop}: fastio vs {NET_LABELS[other]},"
                        f" {kind} instructions per {WORKLOADS[workload][1]}",
                        fastio[index], theirs[index], NET_LABELS[other], index == 1))
    return "\n\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", nargs="+", choices=("callgrind", "strace", "calls"),
                        default=["callgrind", "strace", "calls"])
    parser.add_argument("--loops", nargs="+", choices=LOOPS, default=list(LOOPS))
    parser.add_argument("--impls", nargs="+", choices=NET_SERVERS, default=list(NET_SERVERS))
    parser.add_argument("--workloads", nargs="+", choices=tuple(WORKLOADS),
                        default=list(WORKLOADS))
    parser.add_argument("--out", type=Path, default=Path("build/profile"),
                        help="where the dumps and listings go (default: build/profile)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-profiled"]:
        return serve_profiled(argv[1], argv[argv.index("--") + 1:])
    args = parser.parse_args(argv)
    for tool in args.tools:
        needed = {"callgrind": ("valgrind", "callgrind_control"), "strace": ("strace",)}.get(
            tool, ())
        missing = [exe for exe in needed if shutil.which(exe) is None]
        if missing:
            sys.exit(f"{tool}: {', '.join(missing)} not found (make profile installs them)")
    args.out.mkdir(parents=True, exist_ok=True)
    cg, st, calls = {}, {}, {}
    for loop in args.loops:
        for impl in args.impls:
            print(f"== {loop}, {NET_LABELS[impl]}", file=sys.stderr, flush=True)
            if "calls" in args.tools:
                calls[loop, impl] = calls_server(loop, impl, args.workloads, args.out)
            if "strace" in args.tools:
                st[loop, impl] = strace_server(loop, impl, args.workloads, args.out)
            if "callgrind" in args.tools:
                cg[loop, impl] = callgrind_server(loop, impl, args.workloads, args.out)
    print(f"Per round trip in the server (per connection for churn), one connection at a time;"
          f" {sys.implementation.name} {sys.version.split()[0]}.\n")
    print(totals_table(args.loops, args.impls, args.workloads, cg, st, calls))
    print("\nPython calls: function calls cProfile sees (Python functions and C functions"
          " called from Python; not uvloop's or fastio's compiled methods).")
    if cg:
        print()
        print(differences(args.loops, args.workloads, cg))
    if calls:
        print()
        print(calls_table(args.loops, args.impls, args.workloads, calls))


if __name__ == "__main__":
    main()
