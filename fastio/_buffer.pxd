from cpython.object cimport PyObject

# The compiled API of fastio: the bytes between a transport and a stream.
# _buffer.pyx is the module; each part below is defined in the _core/*.pxi
# file named above it.
#
# Ring is the storage, embedded in the object that owns it so an idle stream
# costs no extra object.  ReaderCore is the compiled half of
# fastio.StreamReader (streams.py subclasses it together with
# asyncio.StreamReader): the reader's state, asyncio's limit and pause/resume
# decisions, separator search, the read methods and their fast paths;
# asyncio's algorithms for them are functions of it (read_algorithms.pxi: no
# include can go inside a class body).
# StreamOperation is what a read method, _wait_for_data() and drain()
# return (a lazy, coroutine-like awaitable).  ReadBufferView is what
# programs reach as ``reader._buffer``.
# WriterCore is the compiled half of fastio.StreamWriter (held writes), and
# LoopFlusher hands over what writers hold at the end of each iteration.
#
# ReaderCore and WriterCore are subclassed in Python, so their cdef methods
# are marked final where they are defined: called directly (and inlined),
# not through the vtable.
#
# _core/constants.pxi, included first, holds the names several files use
# (OP_* for which method an operation runs, PASS_* for a turn's outcome,
# COPY_* for readinto()'s copy, DISPATCHED with its bits, NEWLINE); the C
# helpers are headers beside it (_core/*.h), each declared where it is used.


# -- _core/ring.pxi

cdef struct Ring:
    char *data              # PyMem storage; NULL whenever empty, so idle streams hold none
    Py_ssize_t capacity     # bytes allocated at data
    Py_ssize_t start        # read cursor: first unconsumed byte
    Py_ssize_t end          # write cursor: one past the last stored byte

# Bytes stored and not yet consumed.  Defined here, inline: the read paths
# ask it on every turn.
cdef inline Py_ssize_t ring_size(const Ring *ring) noexcept:
    return ring.end - ring.start

# Room for n > 0 more bytes at end (compacting or growing); pointer to it.
cdef char *ring_reserve(Ring *ring, Py_ssize_t n) except NULL
# Move the stored bytes to the start of a new block of cap bytes (False:
# no memory, nothing changed).
cdef bint ring_rehome(Ring *ring, Py_ssize_t cap) noexcept
# Copy n bytes in after the stored ones.
cdef int ring_append(Ring *ring, const char *src, Py_ssize_t n) except -1
# Copy in any object bytearray.extend() accepts, raising what it raises.
cdef int ring_append_object(Ring *ring, object data) except -1
# n limited to [0, size]: what ring_take() and ring_drop() consume.
# A count the caller computed may be stale: Python code (a separator's len(),
# a limit's comparison) can consume bytes between computing it and using it.
cdef inline Py_ssize_t ring_clamp(const Ring *ring, Py_ssize_t n) noexcept:
    return 0 if n < 0 else min(n, ring.end - ring.start)

# Consume the first n bytes (clamped) into a new bytes object.
cdef bytes ring_take(Ring *ring, Py_ssize_t n)
# Consume the first n bytes (clamped); frees the storage when nothing is
# left and shrinks it when little is.
cdef void ring_drop(Ring *ring, Py_ssize_t n) noexcept
# Offset of the first sep at or after `start`, or -1 (memchr / memmem).
cdef Py_ssize_t ring_find(const Ring *ring, const char *sep, Py_ssize_t seplen,
                          Py_ssize_t start) noexcept
# Release the storage (a large block may be kept as the process's spare).
cdef void ring_free(Ring *ring) noexcept
# Give an empty ring the spare block.
cdef void take_spare(Ring *ring) noexcept


# -- _core/reader.pxi

cdef class ReaderCore:
    cdef:
        Ring ring               # the bytes fed and not yet read
        object _scan_key        # the separator the scan memory below is about
        Py_ssize_t _scanned     # no match of _scan_key starts before this offset
        object _limit_value     # the limit as given: asyncio compares and reprs this object
        Py_ssize_t _limit_n     # floor(limit): the same comparisons on integer sizes
        Py_ssize_t _pause_n     # floor(2 * limit): pause_reading() once the size exceeds it
        public bint _eof        # feed_eof() was called
        public bint _paused     # transport.pause_reading() was called and not undone
        public object _exception  # set_exception(); every read raises it
        public object _waiter   # the future a read coroutine awaits, or None
        public object _transport  # the read transport; None also when it cannot pause
        public object _loop     # the event loop that makes waiter futures
        public object _writer_ref  # weakref to the fastio writer sharing this connection, or None
        unsigned int _type_tag  # tp_version_tag of the type _type_overrides was computed for
        unsigned char _type_overrides  # bit i: the type replaces DISPATCHED[i]; SETTING_DISPATCHED
        unsigned char _patched  # bit i: DISPATCHED[i] was set on the instance (mock.patch.object)

    # Every consumption goes through these two (they reset the scan memory).
    cdef bytes take(self, Py_ssize_t n)
    cdef void consume(self, Py_ssize_t n) noexcept
    # ring_find() for `key`, resuming after the bytes already scanned for it.
    cdef Py_ssize_t scan_for(self, object key, const char *sep,
                             Py_ssize_t seplen, Py_ssize_t start) noexcept
    # (start, end) of the match of any of `separators` that ends first, at
    # or after `start`, or None; bytearray.find()'s errors for bad separators.
    cdef object search(self, list separators, Py_ssize_t start)

    # Which of the methods asyncio's code calls through self (DISPATCHED:
    # readuntil(), readline(), _wakeup_waiter(), _maybe_resume_transport(),
    # feed_data(), _wait_for_data(), exception()) this reader replaces, in a
    # subclass or on the instance; the fast paths call the compiled ones
    # directly only where it does not.
    cdef inline int overrides(self) except -1
    # The _limit setter's work.
    cdef int set_limit(self, object value) except -1
    # Work out _type_overrides and _type_tag for the type as it is now.
    cdef int learn_type(self) except -1
    # None of the methods the read algorithms dispatch is replaced.
    cdef inline bint dispatch_is_direct(self) except -1
    # Keep _patched up to date when `name` is set on or deleted from the instance.
    cdef int note_patch(self, object name, bint patched) except -1
    # feed_data(data), compiled.
    cdef int feed_object(self, object data) except -1
    # feed_data() for bytes at `data`, without an object to hold them.
    cdef int feed(self, const char *data, Py_ssize_t n) except -1
    # What feed_data() does once the bytes are stored: wake, maybe pause.
    cdef int fed(self) except -1
    cdef int wakeup(self) except -1
    cdef int flush_writer(self) except -1
    # _wait_for_data()'s checks and preparations; the future to await.
    cdef object begin_wait(self, object func_name)
    cdef int pause_if_full(self) except -1
    cdef int resume_if_drained(self) except -1

    # One turn of the loop of asyncio's readuntil() for a non-empty bytes
    # separator from *offset, of readexactly(n) or of read(n) (`waited`:
    # after its wait), while nothing replaces what they dispatch.
    # PASS_ANSWERED (the result in presult), PASS_WAITS (asyncio would wait
    # now; *offset moved on as asyncio's) or PASS_OTHERWISE (it would raise:
    # the coroutine does, from the same place).
    cdef int readuntil_pass(self, bytes separator, Py_ssize_t *offset,
                            PyObject **presult) except -1
    cdef inline int readexactly_pass(self, Py_ssize_t n, PyObject **presult) except -1
    cdef inline int read_pass(self, Py_ssize_t n, bint waited, PyObject **presult) except -1
    # read_pass() for readinto(buffer) (fastio's own), n the buffer's length
    # in bytes: the count copied into it is the result.
    cdef int readinto_pass(self, object buffer, bint waited, PyObject **presult) except -1
    # The bytes read(len(buffer)) would take, copied into the buffer (taken
    # writable and C-contiguous only for the copy) and consumed: their count;
    # on a first turn (not `waited`), COPY_EMPTY or COPY_WAITS instead, with
    # nothing done, where read() would answer b"" or wait.
    cdef Py_ssize_t copy_into(self, object buffer, bint waited) except -3
    # Take the first n bytes as the result, as the read methods end.
    cdef inline int answer(self, Py_ssize_t n, PyObject **presult) except -1


# -- _core/read_algorithms.pxi: functions of ReaderCore (`self`), defined
# outside its class body

# _maybe_resume_transport(), dispatched only if something overrides it.
cdef int resume_dispatched(ReaderCore self) except -1
# readline()'s handling of a LimitOverrunError: the ValueError to raise.
cdef object line_overrun(ReaderCore self, e)
# The coroutine running asyncio's algorithm for read operation `op` (the
# _*_slow coroutines; `direct`: nothing asyncio dispatches through self is
# overridden).  offset >= 0: the operation ran the loop to there itself and
# waited; the algorithm goes on from that await, raising `failure` there if
# it is not None.  The one table from operations to algorithms.
cdef object algorithm(ReaderCore self, int op, object arg, bint direct,
                      Py_ssize_t offset=*, object failure=*)


# -- _core/stream_operation.pxi

cdef class StreamOperation:
    cdef:
        ReaderCore reader       # whose method was called (None for drain())
        object arg              # its argument (the writer, for drain())
        object delegate         # asyncio's algorithm, or the future's iterator, once waiting
        int op                  # which method (OP_*)
        int state               # NEW, RUNNING (delegating), WAITING (on the waiter itself) or DONE
        Py_ssize_t offset       # readuntil() family: asyncio's offset (no match begins before it)
        Py_ssize_t size         # readexactly() and read(): n (readinto(): its buffer's, each turn)
        bint executing          # inside send(), throw(): Python code it runs may come back
        object origin           # cr_origin: where it was made, while origin tracking is on; or None

    # DONE; after _wait_for_data() began, its waiter is cleared too.  Then it
    # holds nothing and is kept for reuse by the next read or drain.
    cdef void finish(self) noexcept
    # The first send: 0 with the immediate answer in presult, or 1 with the
    # work handed to self.delegate.
    cdef int start(self, PyObject **presult) except -1
    # One send(): 1 (the value yielded in presult), 0 (the value returned
    # in presult), or an exception.
    cdef int step(self, object value, PyObject **presult) except -1
    # Mark the operation as executing (ValueError if it already is, as a
    # coroutine's) and not.
    cdef inline int enter(self) except -1
    cdef inline void leave(self) noexcept
    cdef object thrown(self, tuple args)

    # The read methods with plain arguments (runs_here()) run asyncio's loop
    # here while they can, awaiting the reader's waiter future directly
    # (WAITING), and hand over to the coroutine where it would raise.
    cdef inline bint runs_here(self) except -1
    cdef inline bytes separator(self)
    # One turn of the loop: a PASS_* outcome (PASS_WAITS: now WAITING).
    cdef inline int turn(self, bint waited, PyObject **presult) except -1
    # The wait ended (raising `failure`, if not None): the loop goes on;
    # then as step().  woken(): the same, finishing the operation on error.
    cdef int resume(self, object failure, PyObject **presult) except -1
    cdef int woken(self, object failure, PyObject **presult) except -1


# -- _core/buffer_view.pxi

cdef class ReadBufferView:
    cdef readonly ReaderCore reader  # whose buffer this shows

    cdef Py_ssize_t start_index(self, object start) except? -1


# -- _core/receiving.pxi

cdef class ReceiveBuffer:
    cdef:
        bytearray storage       # received into (None before live_view()); read, not via a view
        object view             # the memoryview of storage handed out; replaced once released

    # The view, made anew if the transport released it (or resized storage).
    cdef object live_view(self)


# -- _core/transports.pxi: no class, and nothing another module calls:
# known_transport() and transport_is_closing(), the proofs that a transport
# is one fastio knows, asked by writer.pxi.


# -- _core/writer.pxi

cdef class LoopFlusher:
    cdef:
        object loop             # the event loop whose iterations end batches (a weakref if weak)
        bint weak               # loop is a weakref.ref: _flushers, keyed by the loop, holds this
        list pending            # writers that wrote in this iteration
        bint scheduled          # run() is queued with loop.call_soon()

    cdef object event_loop(self)
    cdef int enlist(self, WriterCore writer) except -1


cdef class WriterCore:
    cdef:
        Ring ring               # bytes written and not yet handed to the transport
        ReaderCore _paired      # the connection's fastio reader: hold while it has bytes
        bint _enlisted          # in _flusher's list for the end of this iteration
        bint _through           # hold nothing: the program has the transport, or closed it
        bint _held_lines        # all that is held came through writelines()
        LoopFlusher _flusher    # this loop's, once the writer first held bytes
        public object _transport  # asyncio's StreamWriter attributes, kept in C
        public object _protocol
        object _reader_value    # _reader (a property: setting it pairs a fastio reader)
        public object _loop

    # Hand everything held to the transport in one write().
    cdef int flush(self) except -1
    # The paired reader still has unread bytes (and holding is allowed).
    cdef bint holding(self) noexcept
    # write(): hold `data` if it is small and the batch goes on, else hand
    # it (after what is held) to the transport.
    cdef int write_one(self, object data, bint lines) except -1
    # A batch may begin: holding(), and the transport is one fastio knows.
    cdef bint starts_batch(self) except -1
    # asyncio's drain() up to its first await: None if it would return at
    # once, else the coroutine that goes on from there.
    cdef object drain_begin(self)
    # What is held may stay held through drain(): nothing would differ.
    cdef bint keeps_batch(self) except -1
    # What is held plus the transport's buffer is within its high-water mark.
    cdef bint fits_under_high_water(self) except -1
