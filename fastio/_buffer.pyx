# The bytes between a transport and a stream, and the decisions asyncio's
# StreamReader makes about them, in C.  See _buffer.pxd for the fields.

cimport cython
from cpython.buffer cimport (
    PyBUF_SIMPLE, PyBuffer_IsContiguous, PyBuffer_Release, PyObject_CheckBuffer,
    PyObject_GetBuffer,
)
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_CheckExact
from cpython.bytes cimport (
    PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.exc cimport PyErr_Clear, PyErr_Occurred
from cpython.memoryview cimport PyMemoryView_GET_BUFFER
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_REFCNT
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.string cimport memchr, memcmp, memcpy, memmove, memset

import asyncio.coroutines
import collections.abc
import inspect
import math
import sys
import weakref
from asyncio import format_helpers
from asyncio.exceptions import IncompleteReadError, LimitOverrunError
from asyncio.streams import _DEFAULT_LIMIT

from . import _compat

_streams = sys.modules["asyncio.streams"]
_futures = sys.modules["asyncio.futures"]
_BASE_CREATE_FUTURE = sys.modules["asyncio.base_events"].BaseEventLoop.create_future
_asyncio_drain_helper = _streams.FlowControlMixin._drain_helper
_asyncio_drain = _streams.StreamWriter.drain
_SELECTOR_IS_CLOSING = sys.modules["asyncio.selector_events"]._SelectorTransport.is_closing


cdef extern from "string.h" nogil:
    # A GNU/BSD extension (pyconfig.h defines _GNU_SOURCE): linear-time
    # substring search, for separators longer than one byte.
    void *memmem(const void *haystack, size_t haystacklen,
                 const void *needle, size_t needlelen)

cdef extern from *:
    """
    #if PY_VERSION_HEX >= 0x030A0000
    #define fastio_iter_send(it, arg, res) ((int)PyIter_Send((it), (arg), (res)))
    static void fastio_set_am_send(PyTypeObject *type, void *send) {
        if (type->tp_as_async) type->tp_as_async->am_send = (sendfunc)send;
    }
    #else
    /* No PyIter_Send before 3.10: the same through __next__ / send(). */
    static int fastio_iter_send(PyObject *it, PyObject *arg, PyObject **res) {
        PyObject *r = (arg == Py_None && PyIter_Check(it))
            ? Py_TYPE(it)->tp_iternext(it)
            : PyObject_CallMethod(it, "send", "O", arg);
        if (r) { *res = r; return 1; }
        return _PyGen_FetchStopIterationValue(res) == 0 ? 0 : -1;
    }
    static void fastio_set_am_send(PyTypeObject *type, void *send) { (void)type; (void)send; }
    #endif
    """
    ctypedef struct PyTypeObject_full "PyTypeObject"
    int fastio_iter_send(object it, object arg, PyObject **res) except? -1
    void fastio_set_am_send(PyTypeObject_full *type, void *send)

cdef extern from "Python.h":
    # The type's attribute-cache version: it changes whenever the type or a
    # base is modified, so a result computed from its methods can be kept.
    ctypedef struct PyTypeObject:
        unsigned int tp_version_tag
        unsigned long tp_flags
    unsigned long Py_TPFLAGS_VALID_VERSION_TAG
    PyTypeObject *Py_TYPE(object)
    int PyObject_GenericSetAttr(PyObject *obj, PyObject *name, PyObject *value) except -1
    Py_ssize_t Py_SIZE(object)

    # Declared without Cython's error check: the callers test for -1 and an
    # error themselves so an overflow sends them to the slow path.
    Py_ssize_t PyLong_AsSsize_t(object) noexcept


cdef enum:
    # Smallest allocation: a few small packets share one block.
    MIN_CAPACITY = 2048
    # Over this much storage, a buffer that is mostly consumed moves its
    # bytes to a smaller block, so one burst is not held for the stream's life.
    SHRINK_ABOVE = 65536
    # Drained blocks of this size are kept for reuse (see spare_data).
    SPARE_MIN = 65536
    SPARE_MAX = 1048576

# One drained block, kept for the next buffer that needs about that much.
# Under a bulk transfer a reader empties and refills its buffer for every
# chunk received, and handing a block of a few hundred KiB back to the C
# library and taking it again costs page faults each time (the heap is
# trimmed and regrown), more than the copying: measured, 3.7x the CPU per
# MiB on uvloop.  One block per process (the GIL guards it), so idle streams
# still hold nothing.
cdef char *spare_data = NULL
cdef Py_ssize_t spare_capacity = 0


cdef bytes NEWLINE = b"\n"

# The methods asyncio's reader calls on self, which the fast paths skip.
cdef tuple DISPATCHED = ("readuntil", "readline", "_wakeup_waiter", "_maybe_resume_transport",
                        "feed_data", "_wait_for_data")
cdef enum:
    # Bits of ReaderCore.overrides(), one per DISPATCHED name.
    READS_DISPATCHED = 0x0f  # what asyncio's read algorithms call through self
    FEED_DISPATCHED = 0x10  # what asyncio's protocol calls with received data
    WAIT_DISPATCHED = 0x20  # how they wait


cdef inline bint type_unchanged(PyTypeObject *tp, unsigned int tag) noexcept:
    # True when tp is the type whose tp_version_tag was recorded as `tag` and
    # no attribute of it or its bases has changed since: CPython gives a
    # type a new tag on every such change (and none it can't track).
    return (tp.tp_flags & Py_TPFLAGS_VALID_VERSION_TAG
            and tp.tp_version_tag != 0 and tp.tp_version_tag == tag)


cdef bytes _needle(object sub):
    """The bytes a bytearray.find(sub) call would search for, or its error."""
    if PyBytes_CheckExact(sub):
        return <bytes>sub
    # bytearray's own argument handling gives the same TypeError/ValueError.
    bytearray().find(sub)
    if PyObject_CheckBuffer(sub):
        return memoryview(sub).tobytes()
    return bytes((sub,))


cdef inline bint int_size(object n, Py_ssize_t *size) except -1:
    """For an exact int: *size = n, clamped to +-PY_SSIZE_T_MAX, and True.
    Anything else (bool, float, index-likes) is left to asyncio's algorithm."""
    if type(n) is not int:
        return False
    size[0] = PyLong_AsSsize_t(n)
    if size[0] == -1 and PyErr_Occurred():
        PyErr_Clear()  # too large either way: the sign is all that matters
        size[0] = PY_SSIZE_T_MAX if n > 0 else -PY_SSIZE_T_MAX
    return True


cdef Py_ssize_t _floor_size(object value) except? -2:
    """floor(value) clamped to [-1, PY_SSIZE_T_MAX].

    For an integer size s, `s > value` is `s > floor(value)` and
    `s <= value` is `s <= floor(value)`, so limits given as floats (or huge
    ints, or infinity) keep asyncio's comparisons exactly.
    """
    if value != value:
        # NaN: asyncio's comparisons with it are all false, so it never
        # pauses, overruns or (not having paused) resumes: as with no limit.
        return PY_SSIZE_T_MAX
    try:
        value = math.floor(value)
    except OverflowError:  # infinity
        return PY_SSIZE_T_MAX if value > 0 else -1
    if value >= PY_SSIZE_T_MAX:
        return PY_SSIZE_T_MAX
    if value < 0:
        return -1
    return value


# -- Ring: storage and cursors ------------------------------------------------

cdef inline Py_ssize_t ring_size(const Ring *ring) noexcept:
    return ring.end - ring.start


cdef char *ring_reserve(Ring *ring, Py_ssize_t n) except NULL:
    cdef Py_ssize_t size = ring.end - ring.start
    cdef Py_ssize_t need, cap
    cdef char *data
    if ring.data != NULL and n <= ring.capacity - ring.end:
        return ring.data + ring.end
    if n > PY_SSIZE_T_MAX - size:
        raise MemoryError()
    need = size + n
    if ring.data == NULL and need <= spare_capacity and need * 4 >= spare_capacity:
        take_spare(ring)
        return ring.data
    if need <= ring.capacity // 2:
        # At least half the block is consumed bytes: sliding the live half
        # down pays for itself before the next move.
        memmove(ring.data, ring.data + ring.start, size)
    else:
        cap = ring.capacity * 2 if ring.capacity <= PY_SSIZE_T_MAX // 2 else need
        cap = max(cap, need, MIN_CAPACITY)
        if ring.start == 0:
            data = <char *>PyMem_Realloc(ring.data, cap)
            if data == NULL:
                raise MemoryError()
            ring.data = data
            ring.capacity = cap
        # Else a fresh block, so the consumed prefix is not copied too.
        elif not ring_rehome(ring, cap):
            raise MemoryError()
    ring.start = 0
    ring.end = size
    return ring.data + size


cdef bint ring_rehome(Ring *ring, Py_ssize_t cap) noexcept:
    """Move the stored bytes to the start of a new block of `cap` bytes;
    False (and nothing changed) when there is no memory for it."""
    cdef Py_ssize_t size = ring.end - ring.start
    cdef char *data = <char *>PyMem_Malloc(cap)
    if data == NULL:
        return False
    memcpy(data, ring.data + ring.start, size)
    PyMem_Free(ring.data)
    ring.data = data
    ring.capacity = cap
    ring.start = 0
    ring.end = size
    return True


cdef int ring_append(Ring *ring, const char *src, Py_ssize_t n) except -1:
    if n > 0:
        memcpy(ring_reserve(ring, n), src, n)
        ring.end += n
    return 0


cdef int ring_append_object(Ring *ring, object data) except -1:
    cdef Py_buffer view
    if PyBytes_CheckExact(data):
        return ring_append(ring, PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
    if PyObject_CheckBuffer(data):
        try:
            PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        except Exception:
            pass  # e.g. non-contiguous: bytearray.extend() below says so
        else:
            try:
                return ring_append(ring, <const char *>view.buf, view.len)
            finally:
                PyBuffer_Release(&view)
    # Whatever else bytearray.extend() takes (iterables of ints), and the
    # very TypeError it raises for str, None, int...
    extended = bytearray()
    extended.extend(data)
    return ring_append(ring, extended, len(extended))


cdef bytes ring_take(Ring *ring, Py_ssize_t n):
    cdef bytes out
    if n == 0:
        return b""
    out = PyBytes_FromStringAndSize(ring.data + ring.start, n)
    ring_drop(ring, n)
    return out


cdef void ring_drop(Ring *ring, Py_ssize_t n) noexcept:
    cdef Py_ssize_t size, cap
    cdef char *data
    ring.start += n
    size = ring.end - ring.start
    if size == 0:
        # Drained: hand the block back, as an emptied bytearray does, so the
        # thousands of idle streams a server keeps hold no storage.
        ring_free(ring)
    elif ring.capacity > SHRINK_ABOVE and size < ring.capacity // 8:
        # Without memory for it, the larger block stays: still correct.
        ring_rehome(ring, max(size * 2, MIN_CAPACITY))


cdef Py_ssize_t ring_find(const Ring *ring, const char *sep, Py_ssize_t seplen,
                          Py_ssize_t start) noexcept:
    cdef Py_ssize_t size = ring.end - ring.start
    cdef const char *hay
    cdef const void *hit
    if start < 0:
        start = 0
    if seplen > size - start:
        return -1
    if seplen == 0:
        return start  # as bytes.find(b"")
    hay = ring.data + ring.start + start
    if seplen == 1:
        hit = memchr(hay, sep[0], size - start)
    else:
        hit = memmem(hay, size - start, sep, seplen)
    if hit == NULL:
        return -1
    return <const char *>hit - (ring.data + ring.start)


cdef void take_spare(Ring *ring) noexcept:
    global spare_data, spare_capacity
    ring.data = spare_data
    ring.capacity = spare_capacity
    ring.start = ring.end = 0
    spare_data = NULL
    spare_capacity = 0


cdef void ring_free(Ring *ring) noexcept:
    global spare_data, spare_capacity
    if SPARE_MIN <= ring.capacity <= SPARE_MAX and ring.capacity > spare_capacity:
        PyMem_Free(spare_data)
        spare_data = ring.data
        spare_capacity = ring.capacity
    else:
        PyMem_Free(ring.data)
    ring.data = NULL
    ring.capacity = ring.start = ring.end = 0


# -- the reader ------------------------------------------------------------------

cdef class ReaderCore:
    """The compiled half of fastio.StreamReader.

    streams.StreamReader derives from this and from asyncio.StreamReader, so
    its state lives in C fields under asyncio's attribute names, and the
    read methods below answer from the buffer without leaving C when
    asyncio would answer at once.  Otherwise they run the ``_*_slow``
    coroutines: asyncio's algorithms, statement for statement, on the same
    buffer.
    """

    def __init__(self, limit=_DEFAULT_LIMIT, loop=None):
        # Compiled, so it adds no Python frame: the DeprecationWarning asyncio
        # may raise for a missing loop points at the caller, as with asyncio.
        # The line length limit is a security feature; it also doubles as
        # half the buffer limit.
        if limit <= 0:
            raise ValueError('Limit cannot be <= 0')
        self._limit = limit
        if loop is None:
            # Looked up at call time, as asyncio does.
            self._loop = getattr(_streams.events, _compat.GET_EVENT_LOOP)()
        else:
            self._loop = loop
        if self._loop.get_debug():
            # The caller's frame: this function has none of its own.
            self._source_traceback = format_helpers.extract_stack(sys._getframe(0))

    def __dealloc__(self):
        ring_free(&self.ring)

    @property
    def _buffer(self):
        return ReadBufferView(self)

    @property
    def _limit(self):
        return self._limit_value

    @_limit.setter
    def _limit(self, value):
        self._limit_n = _floor_size(value)
        self._pause_n = _floor_size(2 * value)
        self._limit_value = value

    # -- consuming and searching ------------------------------------------------

    @cython.final
    cdef bytes take(self, Py_ssize_t n):
        self._scanned = 0
        return ring_take(&self.ring, n)

    @cython.final
    cdef void consume(self, Py_ssize_t n) noexcept:
        self._scanned = 0
        ring_drop(&self.ring, n)

    @cython.final
    cdef Py_ssize_t scan_for(self, object key, const char *sep,
                             Py_ssize_t seplen, Py_ssize_t start) noexcept:
        cdef Py_ssize_t at
        cdef Py_ssize_t known = self._scanned if key is self._scan_key else 0
        # A line arriving in small pieces is searched once, not once per
        # piece: bytes already scanned for this separator are skipped.
        at = ring_find(&self.ring, sep, seplen, max(start, known))
        # Remember only what this search proved: a caller's offset may be
        # stale (asyncio's readuntil() keeps it across a wait in which
        # another coroutine consumed bytes), and then the bytes before it
        # were never looked at.
        if at < 0 and start <= known:
            self._scan_key = key
            self._scanned = max(0, ring_size(&self.ring) + 1 - seplen)
        return at

    @cython.final
    cdef object search(self, list separators, Py_ssize_t start):
        cdef bytes sep
        cdef Py_ssize_t at, end, size, seplen, min_len
        cdef const unsigned char *base
        cdef unsigned char last_bytes[256]
        if len(separators) == 1:
            sep = _needle(separators[0])
            # Keyed by the bytes object: a caller's bytearray may change.
            at = self.scan_for(sep, PyBytes_AS_STRING(sep), len(sep), start)
            return None if at < 0 else (at, at + len(sep))
        needles = [_needle(s) for s in separators]
        # One pass over the data: stop only at bytes that end some separator
        # and try the separators that could end there, shortest first (as
        # asyncio sorts them, so the shortest wins a tie there too).
        memset(last_bytes, 0, sizeof(last_bytes))
        min_len = PY_SSIZE_T_MAX
        for sep in needles:
            seplen = len(sep)
            min_len = min(min_len, seplen)
            last_bytes[<unsigned char>PyBytes_AS_STRING(sep)[seplen - 1]] = 1
        size = ring_size(&self.ring)
        base = <const unsigned char *>self.ring.data + self.ring.start
        start = max(start, 0)
        for end in range(start + min_len, size + 1):
            if not last_bytes[base[end - 1]]:
                continue
            for sep in needles:
                at = end - len(sep)
                if at >= start and memcmp(base + at, PyBytes_AS_STRING(sep), len(sep)) == 0:
                    return (at, end)
        return None

    # -- feeding, waking, flow control --------------------------------------

    @cython.final
    cdef inline int overrides(self) except -1:
        if not type_unchanged(Py_TYPE(self), self._type_tag):
            self.learn_type()
        return self._type_overrides | self._patched

    @cython.final
    cdef int learn_type(self) except -1:
        cdef PyTypeObject *tp = Py_TYPE(self)
        cdef int i
        cls = type(self)
        self._type_overrides = 0
        for i in range(len(DISPATCHED)):
            if getattr(cls, DISPATCHED[i]) is not getattr(ReaderCore, DISPATCHED[i]):
                self._type_overrides |= 1 << i
        # The lookups above gave the type a version tag, if it can have one.
        self._type_tag = tp.tp_version_tag
        return 0

    @cython.final
    cdef inline bint dispatch_is_direct(self) except -1:
        return not (self.overrides() & READS_DISPATCHED)

    def __setattr__(self, name, value):
        self.note_patch(name, True)
        PyObject_GenericSetAttr(<PyObject *>self, <PyObject *>name, <PyObject *>value)

    def __delattr__(self, name):
        PyObject_GenericSetAttr(<PyObject *>self, <PyObject *>name, NULL)
        self.note_patch(name, False)

    @cython.final
    cdef int note_patch(self, object name, bint patched) except -1:
        # Methods set on the instance itself (as mock.patch.object does) are
        # seen here, without looking into the instance dict on every read.
        cdef int i
        for i in range(len(DISPATCHED)):
            if name == DISPATCHED[i]:
                if patched:
                    self._patched |= 1 << i
                else:
                    self._patched &= ~(1 << i)
        return 0

    def feed_data(self, data):
        self.feed_object(data)

    @cython.final
    cdef int feed_object(self, object data) except -1:
        assert not self._eof, 'feed_data after feed_eof'
        if data:
            ring_append_object(&self.ring, data)
            self.fed()
        return 0

    @cython.final
    cdef int feed(self, const char *data, Py_ssize_t n) except -1:
        assert not self._eof, 'feed_data after feed_eof'
        if n:
            ring_append(&self.ring, data, n)
            self.fed()
        return 0

    @cython.final
    cdef int fed(self) except -1:
        if self.dispatch_is_direct():
            self.wakeup()
        else:
            self._wakeup_waiter()
        return self.pause_if_full()

    def feed_eof(self):
        self._eof = True
        if self.dispatch_is_direct():
            self.wakeup()
        else:
            self._wakeup_waiter()

    def at_eof(self):
        """Return True if the buffer is empty and 'feed_eof' was called."""
        return self._eof and ring_size(&self.ring) == 0

    def exception(self):
        return self._exception

    def set_exception(self, exc):
        self._exception = exc
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_exception(exc)

    def set_transport(self, transport):
        assert self._transport is None, 'Transport already set'
        self._transport = transport

    def _wakeup_waiter(self):
        """Wakeup read*() functions waiting for data or EOF."""
        self.wakeup()

    @cython.final
    cdef int flush_writer(self) except -1:
        # The program can go no further until the peer answers: what its
        # writer holds leaves now rather than at the end of the iteration.
        if self._writer_ref is not None:
            writer = self._writer_ref()
            if writer is not None:
                (<WriterCore>writer).flush()
        return 0

    def _maybe_resume_transport(self):
        self.resume_if_drained()

    @cython.final
    cdef int wakeup(self) except -1:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_result(None)
        return 0

    @cython.final
    cdef int pause_if_full(self) except -1:
        if (self._transport is not None and not self._paused
                and ring_size(&self.ring) > self._pause_n):
            try:
                self._transport.pause_reading()
            except NotImplementedError:
                # It cannot pause: buffer everything, and stop asking.
                self._transport = None
            else:
                self._paused = True
        return 0

    @cython.final
    cdef int resume_if_drained(self) except -1:
        if self._paused and ring_size(&self.ring) <= self._limit_n:
            self._paused = False
            self._transport.resume_reading()
        return 0

    # -- fast paths -------------------------------------------------------------

    @cython.final
    cdef int readuntil_pass(self, bytes separator, Py_ssize_t *offset,
                            PyObject **presult) except -1:
        # One turn of asyncio's readuntil() loop for a non-empty bytes
        # separator, from *offset (no separator begins before it).
        cdef Py_ssize_t seplen = PyBytes_GET_SIZE(separator)
        cdef Py_ssize_t buflen = ring_size(&self.ring)
        cdef Py_ssize_t at, next_offset = offset[0]
        if buflen - next_offset >= seplen:
            at = self.scan_for(separator, PyBytes_AS_STRING(separator), seplen, next_offset)
            if at >= 0:
                if at > self._limit_n:
                    return PASS_OTHERWISE
                return self.answer(at + seplen, presult)
            # The separator may have arrived all but its last byte.
            next_offset = max(0, buflen + 1 - seplen)
            if next_offset > self._limit_n:
                return PASS_OTHERWISE
        if self._eof:
            return PASS_OTHERWISE
        offset[0] = next_offset
        return PASS_WAITS

    @cython.final
    cdef inline int readexactly_pass(self, Py_ssize_t n, PyObject **presult) except -1:
        # One turn of asyncio's readexactly() loop, n >= 0.
        if n == 0:
            return answer_empty(presult)
        if ring_size(&self.ring) >= n:
            return self.answer(n, presult)
        return PASS_OTHERWISE if self._eof else PASS_WAITS

    @cython.final
    cdef inline int read_pass(self, Py_ssize_t n, bint waited, PyObject **presult) except -1:
        # asyncio's read(n), n >= 0: it waits once, if nothing is buffered
        # and EOF has not come, then returns what there is.
        cdef Py_ssize_t size = ring_size(&self.ring)
        if n == 0:
            return answer_empty(presult)
        if size == 0 and not self._eof and not waited:
            return PASS_WAITS
        return self.answer(min(n, size), presult)

    @cython.final
    cdef inline int answer(self, Py_ssize_t n, PyObject **presult) except -1:
        # The read's result, the first n bytes, taken as asyncio's read
        # methods end (this only runs while nothing replaces
        # _maybe_resume_transport()).
        chunk = self.take(n)
        self.resume_if_drained()
        presult[0] = <PyObject *>chunk
        Py_INCREF(chunk)
        return PASS_ANSWERED

    # -- the read methods ------------------------------------------------------
    #
    # Each returns a ReadOperation: an awaitable that, when first awaited,
    # runs asyncio's loop for the read on the buffer, waiting on the waiter
    # future itself, and hands over to asyncio's algorithm (the _*_slow
    # coroutines below) where that would raise.  It is lighter than a
    # coroutine object, which is most of a buffered read's cost.

    @cython.binding(True)
    def readline(self):
        return new_read(self, OP_READLINE, None)

    @cython.binding(True)
    def readuntil(self, separator=b"\n"):
        return new_read(self, OP_READUNTIL, separator)

    @cython.binding(True)
    def readexactly(self, n):
        return new_read(self, OP_READEXACTLY, n)

    @cython.binding(True)
    def read(self, n=-1):
        return new_read(self, OP_READ, n)

    def __aiter__(self):
        return self

    def __anext__(self):
        return new_read(self, OP_ANEXT, None)

    # -- asyncio's algorithms, for when the answer is not immediate -----------
    #
    # Line by line the running asyncio's StreamReader methods (streams.py
    # there), on this buffer; methods asyncio calls through self are called
    # through self here too, unless nothing overrides them.

    @cython.final
    cdef int resume_dispatched(self) except -1:
        if self.dispatch_is_direct():
            return self.resume_if_drained()
        self._maybe_resume_transport()
        return 0

    @cython.binding(True)
    def _wait_for_data(self, func_name):
        """Wait until feed_data() or feed_eof() is called.

        If stream was paused, automatically resume it.
        """
        # An operation like the read methods' (no coroutine object): the
        # read algorithms wait through it once per arriving chunk.
        return new_read(self, OP_WAIT, func_name)

    @cython.final
    cdef object begin_wait(self, object func_name):
        # One waiter links feed_data() to one read coroutine: with two, which
        # of them gets the next data would be arbitrary.
        if self._waiter is not None:
            raise RuntimeError(
                f'{func_name}() called while another coroutine is '
                f'already waiting for incoming data')

        assert not self._eof, '_wait_for_data after EOF'

        self.flush_writer()

        # Waiting while paused would deadlock (readexactly(n) with n > limit).
        if self._paused:
            self._paused = False
            self._transport.resume_reading()

        self._waiter = new_future(self._loop)
        return self._waiter

    async def _readline_slow(self):
        # Something replaces readuntil(): asyncio's readline() calls it
        # through self.
        sep = NEWLINE
        try:
            line = await self.readuntil(sep)
        except IncompleteReadError as e:
            return e.partial
        except LimitOverrunError as e:
            raise self.line_overrun(e)
        return line

    @cython.final
    cdef object line_overrun(self, e):
        # readline()'s answer to a line over the limit: drop it (with its
        # newline, if that arrived), and raise ValueError.
        view = ReadBufferView(self)
        if view.startswith(NEWLINE, e.consumed):
            del view[:e.consumed + len(NEWLINE)]
        else:
            view.clear()
        self.resume_dispatched()
        return ValueError(e.args[0])

    async def _readuntil_slow(self, separator, int op=OP_READUNTIL,
                              Py_ssize_t offset=-1, failure=None):
        # With op OP_READLINE or OP_ANEXT (separator b"\\n", and nothing
        # replaces readuntil() or readline()), this is also what readline()
        # and __anext__() do with readuntil()'s outcome: one coroutine where
        # asyncio has three.
        #
        # offset >= 0: the ReadOperation ran the loop up to here itself (see
        # ReadOperation.turn() and resume()) and this goes on from there,
        # the wait having raised `failure` if not None.
        cdef Py_ssize_t buflen
        try:
            if PyBytes_CheckExact(separator) and PyBytes_GET_SIZE(separator):
                # What _compat.separators() returns for it, on every version.
                separators = [separator]
                min_seplen = max_seplen = PyBytes_GET_SIZE(separator)
            else:
                separators, min_seplen, max_seplen = _compat.separators(separator)
            if offset < 0:
                if self._exception is not None:
                    raise self._exception
                # No separator begins before `offset`.
                offset = 0
            elif failure is not None:
                raise failure

            while True:
                buflen = ring_size(&self.ring)
                if buflen - offset >= min_seplen:
                    match = self.search(separators, offset)
                    if match is not None:
                        break
                    # The longest separator may have arrived all but its last byte.
                    offset = max(0, buflen + 1 - max_seplen)
                    if offset > self._limit_value:
                        raise LimitOverrunError(
                            'Separator is not found, and chunk exceed the limit', offset)

                # Checked after the search: the last chunk before EOF may have
                # completed a separator.
                if self._eof:
                    raise IncompleteReadError(self.take(ring_size(&self.ring)), None)

                await self._wait_for_data('readuntil')

            match_start, match_end = match
            if match_start > self._limit_value:
                raise LimitOverrunError(
                    'Separator is found, but chunk is longer than limit', match_start)
            line = self.take(match_end)
            self.resume_dispatched()
        except IncompleteReadError as e:
            if op == OP_READUNTIL:
                raise
            line = e.partial
        except LimitOverrunError as e:
            if op == OP_READUNTIL:
                raise
            raise self.line_overrun(e)
        if op == OP_ANEXT and line == b'':
            raise StopAsyncIteration
        return line

    async def _read_slow(self, n, bint resumed=False, failure=None):
        # resumed: the ReadOperation waited for data itself (see its
        # resume()) and this goes on from there, raising `failure`, if not
        # None, where asyncio's read() awaited.  The same in
        # _readexactly_slow() and (given an offset) _readuntil_slow().
        if resumed:
            if failure is not None:
                raise failure
        else:
            if self._exception is not None:
                raise self._exception

            if n == 0:
                return b''

            if n < 0:
                # Read limit-sized blocks until EOF: waiting for everything at
                # once would deadlock once the transport pauses at 2 * limit.
                blocks = []
                while True:
                    block = await self.read(self._limit_value)
                    if not block:
                        break
                    blocks.append(block)
                return b''.join(blocks)

            if ring_size(&self.ring) == 0 and not self._eof:
                await self._wait_for_data('read')

        # Fewer than n bytes buffered is fine: read() returns what there is.
        data = self.take(slice(None, n).indices(ring_size(&self.ring))[1])
        self.resume_dispatched()
        return data

    async def _readexactly_slow(self, n, bint resumed=False, failure=None):
        if resumed:
            if failure is not None:
                raise failure
        else:
            if n < 0:
                raise ValueError('readexactly size can not be less than zero')

            if self._exception is not None:
                raise self._exception

            if n == 0:
                return b''

        while ring_size(&self.ring) < n:
            if self._eof:
                raise IncompleteReadError(self.take(ring_size(&self.ring)), n)
            await self._wait_for_data('readexactly')

        if ring_size(&self.ring) == n:
            data = self.take(ring_size(&self.ring))
        else:
            data = self.take(slice(None, n).indices(ring_size(&self.ring))[1])
        self.resume_dispatched()
        return data

    async def _anext_slow(self):
        # Something replaces readline() (or readuntil()).
        val = await self.readline()
        if val == b'':
            raise StopAsyncIteration
        return val

    @cython.final
    cdef object algorithm(self, int op, object arg, bint direct):
        if op == OP_READUNTIL:
            return self._readuntil_slow(arg)
        if op == OP_READEXACTLY:
            return self._readexactly_slow(arg)
        if op == OP_READ:
            return self._read_slow(arg)
        if direct:
            return self._readuntil_slow(NEWLINE, op)
        if op == OP_READLINE:
            return self._readline_slow()
        return self._anext_slow()


cdef enum:
    OP_READLINE = 0
    OP_READUNTIL = 1
    OP_READEXACTLY = 2
    OP_READ = 3
    OP_ANEXT = 4
    OP_WAIT = 5  # _wait_for_data()
    OP_DRAIN = 6  # StreamWriter.drain(): the writer is in `arg`, no reader

cdef enum:
    NEW = 0  # what a fresh (zeroed) ReadOperation holds
    RUNNING = 1  # delegating to a coroutine (or the future, for OP_WAIT)
    DONE = 2
    WAITING = 3  # a readuntil() family operation awaiting the reader's waiter itself

cdef enum:
    # ReaderCore.readuntil_pass() outcomes
    PASS_ANSWERED = 0  # the chunk is in *presult
    PASS_WAITS = 1  # asyncio would wait for data next (*offset moved on)
    PASS_OTHERWISE = 2  # it would raise: the coroutine does, from the same offset

cdef tuple OP_NAMES = ("readline", "readuntil", "readexactly", "read", "__anext__",
                       "_wait_for_data", "drain")


cdef bint transport_is_closing(object transport) except -1:
    # transport.is_closing(); for asyncio's socket transports, what it
    # returns, without its Python frame.
    if getattr(type(transport), "is_closing") is _SELECTOR_IS_CLOSING:
        return transport._closing
    return transport.is_closing()


cdef object new_future(object loop):
    # loop.create_future(), without the Python frame of asyncio's own
    # (futures.Future(loop=self), looked up when called, as there).
    if getattr(type(loop), "create_future") is _BASE_CREATE_FUTURE:
        return _futures.Future(loop=loop)
    return loop.create_future()


async def _unstarted():
    pass


# A finished operation, cleared, kept for the next read or drain: most are
# awaited, answered and dropped before the next call, and refilling one
# costs a fraction of making another.
cdef ReadOperation spare_read = None


cdef inline ReadOperation new_read(ReaderCore reader, int op, object arg):
    global spare_read
    cdef ReadOperation read = spare_read
    # Reused only when nothing else holds it (here: spare_read and `read`):
    # whoever kept a finished one may still await it, and must get the
    # "cannot reuse" error.
    if read is not None and Py_REFCNT(read) == 2:
        spare_read = None
        read.state = NEW
    else:
        read = ReadOperation.__new__(ReadOperation)
    read.reader = reader
    read.op = op
    read.arg = arg
    return read


@cython.final
@cython.freelist(8)
cdef class ReadOperation:
    """One call of reader.readline(), readuntil(), readexactly(), read() or
    __anext__(), awaited like the coroutine asyncio returns.

    Nothing happens until it is first awaited (or sent None by a Task), so
    one created and cancelled before it runs reads nothing, as with asyncio.
    Then, for the usual arguments, it runs asyncio's loop for the read turn
    by turn without a coroutine object (runs_here(), turn()): it answers at
    once when it can, and waits on the reader's waiter future itself.  Where
    asyncio's algorithm would raise, or for unusual arguments, it drives the
    coroutine running that algorithm.  Registered
    as a collections.abc.Coroutine, so create_task(), gather() and
    wait_for() take it.
    """

    @property
    def __name__(self):
        return OP_NAMES[self.op]

    @property
    def __qualname__(self):
        return ("StreamWriter." if self.op == OP_DRAIN else "StreamReader.") + OP_NAMES[self.op]

    def __repr__(self):
        return f"<{self.__qualname__}() operation>"

    def __await__(self):
        return self

    def __next__(self):
        return self.send(None)

    cdef void finish(self) noexcept:
        global spare_read
        if (self.op == OP_WAIT or self.state == WAITING) and self.delegate is not None:
            # _wait_for_data()'s `finally: self._waiter = None`, however
            # the wait ends.
            self.reader._waiter = None
        self.state = DONE
        # A finished operation holds nothing: no reader, writer or coroutine
        # kept alive by the spare.
        self.delegate = None
        self.reader = None
        self.arg = None
        spare_read = self

    cdef int start(self, PyObject **presult) except -1:
        # The first send: 0 with the answer in presult, or 1 with the work
        # handed to self.delegate.  DONE until then, so that whatever raises
        # here leaves the operation finished.
        cdef bint direct
        self.state = DONE
        if self.op == OP_WAIT:
            # The future's own iterator: it yields the future to the Task
            # and returns (or raises) its result.
            self.delegate = iter(self.reader.begin_wait(self.arg))
        elif self.op == OP_DRAIN:
            if not (<WriterCore>self.arg).drain_waits():
                presult[0] = <PyObject *>None  # what drain() returns
                Py_INCREF(None)
                self.finish()
                return 0
            self.delegate = _asyncio_drain(self.arg)
        else:
            direct = self.reader.dispatch_is_direct()
            if direct and self.runs_here():
                # The first turn of asyncio's loop, on the stored bytes.
                self.offset = 0
                status = self.turn(False, presult)
                if status == PASS_ANSWERED:
                    self.finish()
                    return 0
                if status == PASS_WAITS:
                    return 1
            self.delegate = self.reader.algorithm(self.op, self.arg, direct)
        self.state = RUNNING
        return 1

    cdef inline bint runs_here(self) except -1:
        # With no exception set, readline(), __anext__(), readuntil() with a
        # non-empty bytes separator, and readexactly() or read() of an int
        # n >= 0 run asyncio's loop here, turn by turn, without a coroutine.
        if self.reader._exception is not None:
            return False
        if self.op == OP_READLINE or self.op == OP_ANEXT:
            return True
        if self.op == OP_READUNTIL:
            return PyBytes_CheckExact(self.arg) and PyBytes_GET_SIZE(self.arg) != 0
        return int_size(self.arg, &self.size) and self.size >= 0

    cdef inline bytes separator(self):
        return <bytes>self.arg if self.op == OP_READUNTIL else NEWLINE

    cdef inline int turn(self, bint waited, PyObject **presult) except -1:
        # One turn of the read's loop (`waited`: after a wait): PASS_ANSWERED
        # (presult), PASS_WAITS (WAITING on the reader's waiter future,
        # through its iterator in self.delegate) or PASS_OTHERWISE (asyncio's
        # algorithm must take over from here).
        cdef Py_ssize_t offset = self.offset
        cdef int status
        if self.op == OP_READEXACTLY:
            status = self.reader.readexactly_pass(self.size, presult)
        elif self.op == OP_READ:
            status = self.reader.read_pass(self.size, waited, presult)
        else:
            status = self.reader.readuntil_pass(self.separator(), &offset, presult)
        if status != PASS_WAITS:
            return status
        if self.reader.overrides() & WAIT_DISPATCHED:
            return PASS_OTHERWISE  # the coroutine calls the replacement
        self.delegate = iter(self.reader.begin_wait(
            "readexactly" if self.op == OP_READEXACTLY else
            "read" if self.op == OP_READ else "readuntil"))
        self.offset = offset
        self.state = WAITING
        return PASS_WAITS

    cdef int resume(self, object failure, PyObject **presult) except -1:
        # The WAITING operation's wait ended, raising `failure` if not None:
        # as asyncio's _wait_for_data() returns (or raises) into the read's
        # loop.  Then as step().
        cdef int status
        self.reader._waiter = None
        self.delegate = None
        self.state = RUNNING
        # (Something may have replaced a method of the reader meanwhile.)
        if failure is None and self.reader.dispatch_is_direct():
            status = self.turn(True, presult)
            if status == PASS_ANSWERED:
                return 0
            if status == PASS_WAITS:
                return fastio_iter_send(self.delegate, None, presult)
        # asyncio's algorithm from where its loop awaited, raising `failure`
        # there: so readline() turns an IncompleteReadError into its result.
        if self.op == OP_READEXACTLY:
            self.delegate = self.reader._readexactly_slow(self.arg, True, failure)
        elif self.op == OP_READ:
            self.delegate = self.reader._read_slow(self.arg, True, failure)
        else:
            self.delegate = self.reader._readuntil_slow(
                self.separator(), self.op, self.offset, failure)
        return fastio_iter_send(self.delegate, None, presult)

    cdef int step(self, object value, PyObject **presult) except -1:
        # One send(): 1 with the value yielded in presult, 0 with the value
        # returned, or an exception.
        cdef int status = 0
        if self.state == NEW:
            if value is not None:
                raise TypeError("can't send non-None value to a just-started coroutine")
            if self.start(presult) == 0:
                return 0
        elif self.state == DONE:
            raise RuntimeError("cannot reuse already awaited coroutine")
        failure = None
        try:
            status = fastio_iter_send(self.delegate, value, presult)
        except BaseException as e:
            if self.state != WAITING:
                self.finish()
                raise
            failure = e
        else:
            if status == 1:
                return 1
            if self.state == WAITING:
                Py_DECREF(<object>presult[0])  # the waiter's result: None
        if self.state == WAITING:
            status = self.woken(failure, presult)
        if status == 0:
            self.finish()
        return status

    cdef int woken(self, object failure, PyObject **presult) except -1:
        try:
            return self.resume(failure, presult)
        except BaseException:
            self.finish()
            raise

    def send(self, value):
        cdef PyObject *out = NULL
        return outcome(self.step(value, &out), out)

    def throw(self, *args):
        cdef PyObject *out = NULL
        cdef int status
        if self.state == NEW:
            # As into a coroutine that never ran: raised at once, nothing read.
            self.finish()
            return _unstarted().throw(*args)
        if self.state == DONE:
            raise args[0] if len(args) == 1 else args[0](*args[1:2])
        if self.state == WAITING:
            # The Task cancels the wait (or throws something else into it):
            # the future's iterator raises it, and readuntil() goes on.
            try:
                return self.delegate.throw(*args)
            except BaseException as e:
                failure = e
            status = self.woken(failure, &out)
            if status == 0:
                self.finish()
            return outcome(status, out)
        try:
            return self.delegate.throw(*args)
        except BaseException:
            self.finish()
            raise

    def close(self):
        if self.state == RUNNING or self.state == WAITING:
            delegate = self.delegate
            self.finish()
            delegate.close()
        self.finish()


cdef int answer_empty(PyObject **presult) except -1:
    # b"": what readexactly(0) and read(0) return, with nothing taken.
    presult[0] = <PyObject *>b""
    Py_INCREF(b"")
    return PASS_ANSWERED


cdef object outcome(int status, PyObject *out):
    # What send() or throw() gives for step()'s status and new reference.
    result = <object>out
    Py_DECREF(result)
    if status == 1:
        return result
    raise StopIteration(result)


cdef int operation_am_send(PyObject *obj, PyObject *arg, PyObject **presult) except -1:
    """am_send (3.10+): the await and Task path, answering at once without
    raising StopIteration. 0 returned, 1 yielded, -1 error."""
    return (<ReadOperation>obj).step(<object>arg, presult)


fastio_set_am_send(<PyTypeObject_full *>ReadOperation, <void *>operation_am_send)
collections.abc.Coroutine.register(ReadOperation)


cdef int mark_coroutine_function(object method) except -1:
    # asyncio.iscoroutinefunction() and (3.12+) inspect's marker: these
    # methods return awaitables that behave as coroutines.  (Before 3.11,
    # Cython's functions answer _is_coroutine themselves, read-only.)
    try:
        method._is_coroutine = asyncio.coroutines._is_coroutine
    except AttributeError:
        pass
    if hasattr(inspect, "markcoroutinefunction"):
        inspect.markcoroutinefunction(method)
    return 0


for _name in OP_NAMES[:OP_ANEXT] + (OP_NAMES[OP_WAIT],):
    mark_coroutine_function(getattr(ReaderCore, _name))


@cython.final
cdef class ReadBufferView:
    """``reader._buffer``: the reader's bytes, with the bytearray face
    programs use there (len(), truth, bytes(), ==, indexing, find(),
    startswith(), clear(), ``del buf[:n]``), plus the reader's own
    separator search and consumption (search(), take_prefix())."""

    def __cinit__(self, ReaderCore reader not None):
        self.reader = reader

    def __len__(self):
        return ring_size(&self.reader.ring)

    @property
    def allocated(self):
        """Bytes of storage the reader holds (0 when drained)."""
        return self.reader.ring.capacity

    def __bool__(self):
        return ring_size(&self.reader.ring) != 0

    def __bytes__(self):
        cdef Ring *ring = &self.reader.ring
        if ring.end == ring.start:
            return b""
        return PyBytes_FromStringAndSize(ring.data + ring.start, ring_size(ring))

    def __repr__(self):
        return f"{type(self).__name__}({bytes(self)!r})"

    def __eq__(self, other):
        cdef Ring *ring = &self.reader.ring
        cdef Py_buffer view
        if isinstance(other, ReadBufferView):
            other = bytes(other)
        elif not PyObject_CheckBuffer(other):
            return NotImplemented
        try:
            PyObject_GetBuffer(other, &view, PyBUF_SIMPLE)
        except BufferError:
            # e.g. a strided memoryview: it compares itself with bytes
            return other == bytes(self)
        try:
            return view.len == ring_size(ring) and (
                view.len == 0
                or memcmp(view.buf, ring.data + ring.start, view.len) == 0)
        finally:
            PyBuffer_Release(&view)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # mutable, like bytearray

    def __getitem__(self, index):
        cdef Ring *ring = &self.reader.ring
        cdef Py_ssize_t i
        if isinstance(index, slice):
            return bytes(self)[index]
        i = index
        if i < 0:
            i += ring_size(ring)
        if not 0 <= i < ring_size(ring):
            raise IndexError("index out of range")
        return <unsigned char>ring.data[ring.start + i]

    def __delitem__(self, index):
        cdef ReaderCore reader = self.reader
        if isinstance(index, slice) and index.start is None and index.step is None:
            # del buf[:n], the idiom for consuming a prefix
            reader.consume(slice(None, index.stop).indices(ring_size(&reader.ring))[1])
            return
        remaining = bytearray(bytes(self))
        del remaining[index]
        reader.consume(ring_size(&reader.ring))
        ring_append(&reader.ring, remaining, len(remaining))

    def clear(self):
        self.reader.consume(ring_size(&self.reader.ring))

    cdef Py_ssize_t start_index(self, object start) except? -1:
        """bytearray's reading of a start argument: negative counts from the
        end; past the end stays past the end (and matches nothing)."""
        cdef Py_ssize_t at = start if start is not None else 0
        if at < 0:
            at = max(0, at + ring_size(&self.reader.ring))
        return at

    def find(self, sub, start=0):
        cdef bytes needle = _needle(sub)
        return ring_find(&self.reader.ring, needle, len(needle), self.start_index(start))

    def startswith(self, prefix, start=0):
        cdef Ring *ring = &self.reader.ring
        cdef Py_ssize_t at = self.start_index(start)
        cdef bytes needle
        if isinstance(prefix, tuple):
            return any([self.startswith(p, start) for p in prefix])
        needle = _needle(prefix)
        return at <= ring_size(ring) and len(needle) <= ring_size(ring) - at and memcmp(
            ring.data + ring.start + at, PyBytes_AS_STRING(needle), len(needle)) == 0

    def search(self, list separators, Py_ssize_t start):
        """(start, end) of the match that ends first at or after start, or None.

        `separators` is sorted shortest first, as asyncio sorts them.
        """
        return self.reader.search(separators, start)

    def take_prefix(self, n):
        """Consume what ``buf[:n]`` names (with slicing's TypeError)."""
        return self.reader.take(slice(None, n).indices(len(self))[1])


# -- receiving: fastio.StreamReaderProtocol as an asyncio.BufferedProtocol -----
#
# With data_received(), asyncio's socket transports recv() into a new
# 256 KiB bytes object per read and shrink it: for a short message that is
# an mmap(), an mremap() and a munmap() system call, and a page fault, each
# time.  A BufferedProtocol is given a buffer to recv_into() instead.  The
# buffer is one per event loop, not per connection: a transport hands its
# content to buffer_updated() before the loop does anything else, and an
# idle connection should cost no memory.  What arrives there is fed exactly
# as data_received() would feed it, through the same overridable methods.

# As much as asyncio's socket transports ask recv() for.
RECEIVE_SIZE = 256 * 1024
# event loop -> a memoryview of its buffer (asyncio's SSL transport slices
# it and expects views, not copies)
_receive_buffers = weakref.WeakKeyDictionary()

cdef object ASYNCIO_STREAM_READER = _streams.StreamReaderProtocol.__dict__["_stream_reader"]
cdef object _data_received = None  # this module's data_received(), once defined
cdef unsigned int _plain_protocol_tag = 0  # tp_version_tag of a type known to be plain


cdef bint plain_protocol_type(object protocol) except -1:
    """The protocol's type keeps fastio's data_received() and asyncio's
    _stream_reader property, so both can be done here without calling them."""
    global _plain_protocol_tag
    cdef PyTypeObject *tp = Py_TYPE(protocol)
    if not type_unchanged(tp, _plain_protocol_tag):
        cls = type(protocol)
        if (getattr(cls, "data_received") is not _data_received
                or getattr(cls, "_stream_reader") is not ASYNCIO_STREAM_READER):
            return False
        _plain_protocol_tag = tp.tp_version_tag
    return True


cdef object stream_reader(object protocol):
    # What asyncio's _stream_reader property returns, for a plain protocol.
    wr = protocol._stream_reader_wr
    return None if wr is None else wr()


cdef int feed_reader(object reader, object data, const char *buf, Py_ssize_t n) except -1:
    # reader.feed_data(data), or of the n bytes at buf when data is None;
    # compiled when the reader is fastio's and nothing replaces feed_data().
    if isinstance(reader, ReaderCore) and not (
            (<ReaderCore>reader).overrides() & FEED_DISPATCHED):
        if data is None:
            (<ReaderCore>reader).feed(buf, n)
        else:
            (<ReaderCore>reader).feed_object(data)
    else:
        reader.feed_data(PyBytes_FromStringAndSize(buf, n) if data is None else data)
    return 0


@cython.binding(True)
def data_received(self, data):
    # asyncio's: reader = self._stream_reader; if reader is not None:
    # reader.feed_data(data).  Compiled, for transports that do not receive
    # into a buffer (pipes, uvloop).
    reader = stream_reader(self) if plain_protocol_type(self) else self._stream_reader
    if reader is not None:
        feed_reader(reader, data, NULL, 0)


_data_received = data_received


@cython.binding(True)
def get_buffer(self, sizehint):
    """The event loop's receive buffer: the transport fills it, then calls
    buffer_updated()."""
    try:
        return self._fastio_receive_buffer
    except AttributeError:
        pass
    buffer = _receive_buffers.get(self._loop)
    if buffer is None:
        buffer = _receive_buffers[self._loop] = memoryview(bytearray(RECEIVE_SIZE))
    self._fastio_receive_buffer = buffer
    return buffer


@cython.binding(True)
def buffer_updated(self, Py_ssize_t nbytes):
    """Feed the first nbytes of the receive buffer, as data_received() would."""
    cdef memoryview buffer = self._fastio_receive_buffer
    cdef const char *data = <const char *>PyMemoryView_GET_BUFFER(buffer).buf
    cdef Py_ssize_t size = PyMemoryView_GET_BUFFER(buffer).len
    if not 0 <= nbytes <= size:
        raise ValueError(f"buffer_updated() given {nbytes} bytes of a {size}-byte buffer")
    # A data_received() set on the instance (mock.patch.object) counts too.
    method = self.data_received
    if (plain_protocol_type(self) and PyMethod_Check(method)
            and PyMethod_GET_FUNCTION(method) == <PyObject *>_data_received):
        reader = stream_reader(self)
        if reader is not None:
            feed_reader(reader, None, data, nbytes)
    else:
        method(PyBytes_FromStringAndSize(data, nbytes))


# -- the writer ------------------------------------------------------------------

cdef enum:
    # Writes at least this large go straight to the transport (after what is
    # held), uncopied.
    HOLD_LIMIT = 16384
    # A batch is handed over once it holds this much: asyncio's default
    # high-water mark, so it is no more than a transport would buffer
    # before it pauses the protocol.  (Pipelined line echo, measured: 17-25%
    # more lines per CPU-second than with 16 KiB batches, in fewer write()
    # system calls.)
    BATCH_LIMIT = 65536


cdef inline Py_ssize_t held_size(object data) noexcept:
    """The bytes in `data` if it is bytes or bytearray (what every transport
    takes as it is), else -1: those go to the transport unchanged, which
    takes them or raises its own error."""
    if PyBytes_CheckExact(data) or PyByteArray_CheckExact(data):
        return Py_SIZE(data)
    return -1


@cython.final
cdef class LoopFlusher:
    """Hands over what fastio writers hold at the end of the event-loop
    iteration, with one loop callback for all of them."""

    def __cinit__(self, loop):
        self.loop = loop
        self.pending = []

    cdef int enlist(self, WriterCore writer) except -1:
        writer._enlisted = True
        self.pending.append(writer)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.run)
        return 0

    def run(self):
        cdef WriterCore writer
        self.scheduled = False
        pending, self.pending = self.pending, []
        for writer in pending:
            writer._enlisted = False
            try:
                writer.flush()
            except Exception as exc:
                self.loop.call_exception_handler({
                    "message": "fastio: handing held writes to the transport failed",
                    "exception": exc,
                    "transport": writer._transport,
                })


# One per event loop (weakly: a closed loop goes away with its flusher).
_flushers = weakref.WeakKeyDictionary()


cdef LoopFlusher flusher_for(object loop):
    try:
        flusher = _flushers.get(loop)
    except TypeError:  # a loop that cannot be weakly referenced
        return LoopFlusher(loop)
    if flusher is None:
        flusher = _flushers[loop] = LoopFlusher(loop)
    return flusher


cdef class WriterCore:
    """The compiled half of fastio.StreamWriter.

    A write goes to the transport at once, as asyncio's does, unless the
    connection's fastio reader still holds unread bytes: then the program is
    working through pipelined requests and will write again before it waits,
    so small writes gather here and leave together when the reader runs dry
    (with the write that answers its last buffered bytes), when 64 KiB are
    held, when the program drains and handing them over could make a
    difference (see drain_waits()), or at the end of the event-loop
    iteration.  Request/response
    traffic thus writes exactly as asyncio does, and pipelined traffic in
    few large writes.  close() and write_eof() hand over what is held first,
    and once the program has reached for the transport (writer.transport)
    or closed, every write goes straight through, so the peer sees the same
    bytes in the same order as with asyncio's writer.
    """

    def __dealloc__(self):
        ring_free(&self.ring)

    def _pair_reader(self, ReaderCore reader):
        # The fastio reader of the same connection: this writer holds bytes
        # while it has unread input, and it flushes them before it waits.
        self._paired = reader
        reader._writer_ref = weakref.ref(self)

    @property
    def transport(self):
        # From here the caller may write to the transport itself: hand over
        # what is held, and hold nothing more.
        self.flush()
        self._through = True
        return self._transport

    @cython.final
    cdef int flush(self) except -1:
        cdef bytes data
        if self.ring.end != self.ring.start:
            data = ring_take(&self.ring, ring_size(&self.ring))
            # By the method that was called: transports differ between them
            # (3.12's socket writelines() never pauses the protocol).
            if self._held_lines:
                self._transport.writelines([data])
            else:
                self._transport.write(data)
        return 0

    @cython.final
    cdef bint holding(self) noexcept:
        return (self._paired is not None and not self._through
                and ring_size(&self._paired.ring) != 0)

    @cython.final
    cdef int write_one(self, object data, bint lines) except -1:
        cdef Py_ssize_t n = held_size(data)
        cdef bint had = self.ring.end != self.ring.start
        if 0 < n < HOLD_LIMIT and (had or self.holding()):
            self._held_lines = lines and (self._held_lines or not had)
            ring_append(&self.ring, PyBytes_AS_STRING(data) if PyBytes_CheckExact(data)
                        else PyByteArray_AS_STRING(data), n)
            if ring_size(&self.ring) >= BATCH_LIMIT or not self.holding():
                # Full, or the reader ran dry: this write ends the batch.
                self.flush()
            elif not self._enlisted:
                if self._flusher is None:
                    self._flusher = flusher_for(self._loop)
                self._flusher.enlist(self)
            return 0
        self.flush()
        # Straight to the transport: its own checks and errors, now.
        self._transport.write(data)
        return 0

    def write(self, data):
        self.write_one(data, False)

    def writelines(self, data):
        if self.ring.end != self.ring.start or self.holding():
            try:
                items = iter(data)
            except TypeError:
                pass  # the transport says so, in its own words
            else:
                # Read once (it may be a generator), as the transport would.
                data = list(items)
                if all([held_size(item) >= 0 for item in data]):
                    for item in data:
                        self.write_one(item, True)
                    return
            self.flush()
        self._transport.writelines(data)

    def write_eof(self):
        self.flush()
        self._through = True
        return self._transport.write_eof()

    def close(self):
        self.flush()
        self._through = True
        return self._transport.close()

    @cython.binding(True)
    def drain(self):
        """Flush the write buffer.

        The intended use is to write

          w.write(data)
          await w.drain()
        """
        # When awaited: asyncio's own drain() runs only if it would wait
        # (drain_waits(), which also decides whether what is held leaves
        # now); most calls need no coroutine at all.
        return new_read(None, OP_DRAIN, self)

    @cython.final
    cdef bint drain_waits(self) except -1:
        """True when asyncio's drain() would wait (or raise), with what is
        held handed over first.  Held bytes stay held only where that makes
        no difference: the batch goes on (the reader still has unread
        bytes), and they fit under the transport's high-water mark together
        with what it buffers, so handing them over could not pause it."""
        if (self.ring.end != self.ring.start and self.holding()
                and self.fits_under_high_water() and not self.asyncio_drain_waits()):
            return False
        self.flush()
        return self.asyncio_drain_waits()

    @cython.final
    cdef bint asyncio_drain_waits(self) except -1:
        # asyncio's drain() would not return at once: the reader holds an
        # exception, the transport is closing, or the protocol (with
        # asyncio's own _drain_helper) is paused or lost.  Its checks, in
        # its order.
        if self._reader is not None and self._reader.exception() is not None:
            return True
        if transport_is_closing(self._transport):
            return True
        protocol = self._protocol
        return (type(protocol)._drain_helper is not _asyncio_drain_helper
                or protocol._connection_lost or protocol._paused)

    @cython.final
    cdef bint fits_under_high_water(self) except -1:
        try:
            high = self._transport.get_write_buffer_limits()[1]
            buffered = self._transport.get_write_buffer_size()
        except (AttributeError, NotImplementedError):
            return False  # a transport that cannot say
        return ring_size(&self.ring) + buffered <= high


mark_coroutine_function(WriterCore.drain)
