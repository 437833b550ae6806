"""Reference counting the way CPython's regrtest -R does it, on a debug
build: a step run again and again, the total reference count
(sys.gettotalrefcount()) taken after each run with garbage collected, and a
leak reported only when every counted run added references (a cache filled
once, or an object freed a run late, does not add on every run)."""
import gc
import sys

_PLACEHOLDER = int("1" * 30)


def reference_deltas(step, warmups=3, runs=3):
    """The growth of the total reference count over each of `runs` calls
    of step(), after `warmups` calls whose growth is not counted."""
    # Preallocated, so storing a count adds no reference of its own: the new
    # count's reference is offset by the one the placeholder loses.  The
    # placeholder is a heap int, as 0 is not from 3.12 on (an immortal
    # object's count is not counted, so replacing it added one per run).
    totals = [_PLACEHOLDER] * (warmups + runs + 1)
    gc.collect()
    totals[0] = sys.gettotalrefcount()
    for i in range(1, len(totals)):
        step()
        gc.collect()
        if hasattr(sys, "_clear_internal_caches"):
            # As regrtest -R does: from 3.13 the type attribute cache holds
            # references of its own, which a run that looks up new names
            # adds to (on 3.14's debug build 17 of 110 tests "leaked" 1-45
            # references a run without this, and none with it).
            sys._clear_internal_caches()
        totals[i] = sys.gettotalrefcount()
    return [totals[i] - totals[i - 1] for i in range(warmups + 1, len(totals))]


def leaks_every_run(step, warmups=3, runs=3):
    """The deltas of reference_deltas() if each counted run added
    references, else an empty list."""
    deltas = reference_deltas(step, warmups, runs)
    return deltas if all(delta > 0 for delta in deltas) else []
