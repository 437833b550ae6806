# The names several of the _core/*.pxi files use, included before all of
# them so that each is found here rather than in whichever file happened to
# need it first: which method an operation runs, the outcomes of
# one turn of a read's loop and of readinto()'s copy, the methods a
# reader's fast paths skip, and the separator of a line.

cdef enum:
    OP_READLINE = 0
    OP_READUNTIL = 1
    OP_READEXACTLY = 2
    OP_READ = 3
    OP_ANEXT = 4
    OP_WAIT = 5  # _wait_for_data()
    OP_DRAIN = 6  # StreamWriter.drain(): the writer is in `arg`, no reader
    OP_READINTO = 7  # readinto(buffer), fastio's own: the caller's buffer is in `arg`

cdef tuple OP_NAMES = ("readline", "readuntil", "readexactly", "read", "__anext__",
                       "_wait_for_data", "drain", "readinto")


cdef enum:
    # ReaderCore.readuntil_pass() outcomes
    PASS_ANSWERED = 0  # the chunk is in *presult
    PASS_WAITS = 1  # asyncio would wait for data next (*offset moved on)
    PASS_OTHERWISE = 2  # it would raise: the coroutine does, from the same offset


# The methods asyncio calls on a reader (its own code on self, its protocol
# with received data, its writer's drain()), which the fast paths skip.
cdef tuple DISPATCHED = ("readuntil", "readline", "_wakeup_waiter", "_maybe_resume_transport",
                         "feed_data", "_wait_for_data", "exception")
# name -> its bit below
cdef dict DISPATCHED_BITS = {name: 1 << i for i, name in enumerate(DISPATCHED)}
cdef enum:
    # Bits of ReaderCore.overrides(), one per DISPATCHED name.
    READS_DISPATCHED = 0x0f  # what asyncio's read algorithms call through self
    FEED_DISPATCHED = 0x10  # what asyncio's protocol calls with received data
    WAIT_DISPATCHED = 0x20  # how they wait
    EXCEPTION_DISPATCHED = 0x40  # what drain() asks
    ALL_DISPATCHED = 0x7f
    # Not a DISPATCHED name: the type sets attributes otherwise than
    # ReaderCore does (its own __setattr__, or its own _limit), so __init__
    # sets _limit by name, as asyncio's does, rather than into the C fields.
    SETTING_DISPATCHED = 0x80


cdef enum:
    # ReaderCore.copy_into() outcomes other than a count of bytes copied
    COPY_EMPTY = -1  # a first turn with an empty buffer: read(0)'s answer, nothing done
    COPY_WAITS = -2  # asyncio's read() would wait for data first (nothing copied)


cdef bytes NEWLINE = b"\n"
