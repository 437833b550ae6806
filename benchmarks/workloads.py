"""What the benchmark suite compares, in which order it is shown, and the goals.

Data only, shared by the benchmarks (which implementations, loops and servers
they run), ``results.py`` (which reads a run back), ``report.py`` (tables) and
``chart.py`` (the PNG). The workloads' names are the ones the benchmarks store
in the JSON; a workload missing from an order below is still reported, after
the listed ones. Goals are minimum ratios for fastio, set for CPython
``GOAL_PYTHON``; the report marks unmet goals, it never fails on them.
"""

IMPLS = ("asyncio", "fastio")
LOOPS = ("default", "uvloop")
GOAL_PYTHON = "3.11"

# -- reader micro-benchmarks (test_bench_reader.py, test_bench_memory.py) ----

# Minimum speed-up: asyncio time / fastio time.
READER_GOALS = {
    "readline": 5.0,
    "fed-then-read": 4.0,
    "readexactly (frames)": 6.0,
    "readuntil": 3.0,
    "bulk read(65536)": 2.0,
    # fastio's readinto() against asyncio's read() and the caller's copy.
    "bulk readinto(65536)": 3.0,
}
LONG_SMALL, LONG_LARGE = "long line 256 KiB", "long line 1 MiB"
READER_ORDER = (*READER_GOALS, LONG_SMALL, LONG_LARGE, "construct")
# The long line is "linear" if its cost per byte at 1 MiB is within this
# factor of its cost per byte at 256 KiB. Rescanning the whole buffer on every
# wake-up (quadratic) measured about 1.9x: the fixed cost of an event-loop turn
# per 100-byte piece hides part of the 4x.
LINEAR_LIMIT = 1.5
# extra_info key of the construct benchmark -> what the memory row measured.
MEMORY_ROWS = {
    "mem_idle": "idle (never fed)",
    "mem_drained": "fed 4 KiB once, drained",
}

# -- loopback network (test_bench_network.py) ---------------------------------

NET_WORKLOADS = (
    "line echo", "frames", "ping-pong", "HTTP keep-alive", "1 KiB echo", "churn",
    "bulk", "asyncio_tcp",
)
# Charted in a panel of their own, whose scale shows their spread near 1x.
NET_NEAR_ONE = ("ping-pong", "HTTP keep-alive", "1 KiB echo", "churn", "asyncio_tcp")
NET_SERVERS = ("asyncio", "fastio", "raw")
NET_LABELS = {"asyncio": "asyncio streams", "fastio": "fastio streams", "raw": "raw Protocol"}
# Minimum fastio/asyncio ratio of messages per server-CPU-second, as the
# median of the pairs, by (workload, loop); loop None: on every loop.
NET_GOALS = {
    ("line echo", "default"): 5.0,
    ("line echo", "uvloop"): 4.0,
    ("frames", None): 4.0,
    ("ping-pong", "default"): 1.2,
    ("ping-pong", "uvloop"): 1.15,
    ("HTTP keep-alive", "default"): 1.2,
    ("HTTP keep-alive", "uvloop"): 1.15,
    ("1 KiB echo", None): 1.0,
    ("churn", None): 1.2,
    ("bulk", None): 1.0,
    ("asyncio_tcp", None): 1.5,
}
# ...and no pair below this (network and client-library rows): a goal met
# on the median alone is not met.
MIN_PAIR = 1.0
# Minimum fastio / raw-protocol share of messages per server-CPU-second.
NET_RAW_GOALS = {"line echo": 0.40, "ping-pong": 0.90, "HTTP keep-alive": 0.90}

# -- client libraries (test_bench_libraries.py) -------------------------------

LIB_WORKLOADS = (
    "redis SET/GET",
    "redis pipeline(100)",
    "aiomcache set/get",
    "aiomcache multi_get(100)",
    "subprocess readline",
)
# Minimum fastio/asyncio ratio of operations per second, as the median of
# the passes' pairs (each pass times asyncio, then fastio), on every loop;
# LIB_MIN_GOAL for the others: nothing slower.
LIB_GOALS = {
    "redis SET/GET": 1.05,
    "aiomcache set/get": 1.05,
    "redis pipeline(100)": 1.05,
    "aiomcache multi_get(100)": 1.3,
    "subprocess readline": 1.5,
}
LIB_MIN_GOAL = 1.0


def net_goal(workload, loop):
    """The network ratio goal of (workload, loop), or None."""
    return NET_GOALS.get((workload, loop), NET_GOALS.get((workload, None)))


def lib_goal(workload):
    return LIB_GOALS.get(workload, LIB_MIN_GOAL)


def in_order(known, present):
    """The names in ``present``: those in ``known`` in its order, then the rest sorted."""
    present = set(present)
    return [name for name in known if name in present] + sorted(present - set(known))
