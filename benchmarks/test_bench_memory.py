"""Memory held per reader, and what constructing one costs.

A server keeps one StreamReader per connection, most of them idle, so the
figures that matter are the bytes an idle reader holds and the bytes a reader
keeps after it has buffered and handed out some data. Both are measured with
tracemalloc, which sees every allocation made through Python's allocators
(PyObject_Malloc, PyMem_Malloc); memory taken with plain C malloc() would not
be counted. The figures go into the JSON's extra_info for the report; the
timed part is constructing the readers.
"""
import gc
import tracemalloc

N_READERS = 10_000
CHUNK_LINES = 64
CHUNK = (b"x" * 63 + b"\n") * CHUNK_LINES  # 4 KiB of 64-byte lines


async def _feed_and_drain(readers):
    for reader in readers:
        reader.feed_data(CHUNK)
        for _ in range(CHUNK_LINES):
            await reader.readline()


def bytes_per_reader(impl, loop, *, fed):
    """Bytes held per reader by N_READERS readers (each fed 4 KiB and drained if ``fed``)."""
    # One reader through the same steps first, so one-off allocations
    # (caches, interned names, the loop's own structures) are not counted.
    loop.run_until_complete(_feed_and_drain([impl.StreamReader()]))
    readers = [None] * N_READERS  # the list itself is allocated before measuring
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(N_READERS):
            readers[i] = impl.StreamReader()
        if fed:
            loop.run_until_complete(_feed_and_drain(readers))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return held / N_READERS


def test_construct_and_memory(bench, impl, loop, bench_pass):
    memory = {}
    if bench_pass == 1:  # deterministic, and slow under tracemalloc: once is enough
        memory = {
            "mem_idle": bytes_per_reader(impl, loop, fed=False),
            "mem_drained": bytes_per_reader(impl, loop, fed=True),
            "mem_readers": N_READERS,
        }

    async def body(_):
        StreamReader = impl.StreamReader
        # Returned, so the readers are freed after the timer stops.
        return [StreamReader() for _ in range(N_READERS)]

    readers = bench(
        "construct",
        ops=N_READERS,
        unit="reader",
        setup=lambda: None,
        body=body,
        rounds=12,
        extra=memory,
    )
    assert len(readers) == N_READERS
