# ReaderCore, the compiled half of fastio.StreamReader: the reader's state
# under asyncio's attribute names, the limit and pause/resume decisions,
# feeding and waking, the separator search with its scan memory, which of
# the methods asyncio calls through self are replaced (DISPATCHED), the
# read methods with their fast paths (and readinto(), fastio's own: read()
# copying into the caller's buffer), and the wait for data.  asyncio's
# algorithms for the reads that cannot answer at once are in
# read_algorithms.pxi.
#
# Invariants: every consumption goes through take() or consume(), which
# reset the scan memory; the compiled shortcuts run only while overrides()
# says nothing they skip is replaced.
#
# Called by streams.StreamReader (which derives from it), receiving.pxi
# (feeding), stream_operation.pxi and read_algorithms.pxi (the reads and the
# waits), the _buffer view, and the writer, which holds bytes while its
# reader has unread ones.

cdef bytes _needle(object sub):
    """The bytes a bytearray.find(sub) call would search for, or its error."""
    if PyBytes_CheckExact(sub):
        return <bytes>sub
    # bytearray's own argument handling gives the same TypeError/ValueError.
    bytearray().find(sub)
    if PyObject_CheckBuffer(sub):
        return memoryview(sub).tobytes()
    return bytes((sub,))


cdef Py_ssize_t _floor_size(object value) except? -2:
    """floor(value) clamped to [-1, PY_SSIZE_T_MAX].

    For an integer size s, `s > value` is `s > floor(value)` and
    `s <= value` is `s <= floor(value)`, so limits given as floats (or huge
    ints, or infinity) keep asyncio's comparisons exactly.
    """
    cdef Py_ssize_t n
    if type(value) is int:
        # The usual limit, an int: the same result without math.floor().
        n = PyLong_AsSsize_t(value)
        if n == -1 and PyErr_Occurred():
            PyErr_Clear()  # beyond a Py_ssize_t either way
            return PY_SSIZE_T_MAX if value > 0 else -1
        return n if n >= 0 else -1
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


cdef object new_future(object loop):
    # loop.create_future(); when that is asyncio's own method bound to the
    # loop, what it does (futures.Future(loop=self), looked up when called,
    # as there) without its Python frame.
    method = loop.create_future
    if (PyMethod_Check(method)
            and PyMethod_GET_FUNCTION(method) == <PyObject *>_BASE_CREATE_FUTURE
            and PyMethod_GET_SELF(method) == <PyObject *>loop):
        return _futures.Future(loop=loop)
    return method()


cdef object can_await(object obj):
    # obj, when `await obj` takes it; otherwise the TypeError this
    # interpreter's await raises (Cython's keeps the wording CPython had
    # before 3.14).
    if inspect.isawaitable(obj):
        return obj
    cdef bytes name = Py_TYPE(obj).tp_name  # "%.100s" of the type's tp_name, as CPython
    raise TypeError(_compat.NOT_AWAITABLE % name[:100].decode("utf-8", "replace"))


async def _await(awaitable):
    return await can_await(awaitable)


# asyncio's Future classes (the C one, and the Python one).
cdef object _FUTURE = _futures.Future
cdef object _PY_FUTURE = _futures._PyFuture


# asyncio's compiled Future, when its class is that (_asyncio's, which
# Python cannot modify), and its methods wakeup() calls.
cdef object _C_FUTURE = (
    _FUTURE if not (<PyTypeObject *>_FUTURE).tp_flags & Py_TPFLAGS_HEAPTYPE
    or (<PyTypeObject *>_FUTURE).tp_flags & Py_TPFLAGS_IMMUTABLETYPE else None)
cdef object _FUTURE_CANCELLED = _FUTURE.cancelled
cdef object _FUTURE_SET_RESULT = _FUTURE.set_result


cdef inline bint plain_c_future(object waiter) noexcept:
    # waiter.cancelled() and waiter.set_result() are the compiled Future's
    # own: its class is exactly that, and nothing is set on the instance.
    return type(waiter) is _C_FUTURE and fastio_no_instance_attributes(waiter)


cdef object awaiting(object waiter):
    # What `await waiter` iterates: an asyncio Future's own iterator, or,
    # for anything else a loop's create_future() gave, the await protocol
    # with its errors.
    if type(waiter) is _FUTURE or type(waiter) is _PY_FUTURE:
        return iter(waiter)
    return _await(waiter)


cdef int answer_empty(PyObject **presult) except -1:
    # b"": what readexactly(0) and read(0) return, with nothing taken.
    presult[0] = <PyObject *>b""
    Py_INCREF(b"")
    return PASS_ANSWERED


cdef int take_writable(object buffer, Py_buffer *view) except -1:
    # readinto()'s buffer, as socket.recv_into() and file.readinto() take
    # theirs: writable and C-contiguous, or their TypeError (_readinto.py).
    cdef bint taken = False
    try:
        PyObject_GetBuffer(buffer, view, PyBUF_WRITABLE)
        taken = True
    except Exception:
        pass  # raised below, without this error as its context
    if taken and not PyBuffer_IsContiguous(view, b'C'):
        PyBuffer_Release(view)
        taken = False
    if not taken:
        raise _readinto.refused(buffer)
    return 0


cdef int check_writable(object buffer) except -1:
    # take_writable()'s checks alone.
    cdef Py_buffer view
    take_writable(buffer, &view)
    PyBuffer_Release(&view)
    return 0


# The version tag of the last reader type ReaderCore.learn_type() worked
# out, and what that type replaces.
cdef unsigned int _learnt_tag = 0
cdef unsigned char _learnt_overrides = 0


cdef class ReaderCore:
    """The compiled half of fastio.StreamReader.

    streams.StreamReader derives from this and from asyncio.StreamReader, so
    its state lives in C fields under asyncio's attribute names, and the
    read methods below answer from the buffer without leaving C when
    asyncio would answer at once.  Otherwise they run the ``_*_slow``
    coroutines of read_algorithms.pxi: asyncio's algorithms, statement for
    statement, on the same buffer.
    """

    def __init__(self, limit=_DEFAULT_LIMIT, loop=None):
        # Compiled, so it adds no Python frame: the DeprecationWarning asyncio
        # may raise for a missing loop points at the caller, as with asyncio.
        # The line length limit is a security feature; it also doubles as
        # half the buffer limit.
        if limit <= 0:
            raise ValueError('Limit cannot be <= 0')
        if self.overrides() & SETTING_DISPATCHED:
            self._limit = limit
        else:
            # What the _limit setter does, without the name's way through
            # __setattr__ and the descriptor: nothing else would see it.
            self.set_limit(limit)
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
        self.set_limit(value)

    @cython.final
    cdef int set_limit(self, object value) except -1:
        cdef Py_ssize_t n = _floor_size(value)
        if type(value) is int and n <= PY_SSIZE_T_MAX // 2:
            # The usual limit: an int's floor doubles exactly, without
            # making the int 2 * value.
            self._pause_n = 2 * n if n >= 0 else -1
        else:
            self._pause_n = _floor_size(2 * value)
        self._limit_n = n
        self._limit_value = value
        return 0

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
        # asyncio's readuntil() search: each separator found with
        # bytearray.find() semantics (an empty one matches at start), the
        # match ending len(separator) after it begins, the earliest end
        # winning and ties going to the earlier separator.  The needles and
        # lengths are taken first: len() and the buffer protocol can run
        # Python code, which may change the ring under a search.
        cdef bytes sep
        cdef Py_ssize_t at, i
        if not separators:
            raise ValueError("Separator should contain at least one element")
        start = max(start, 0)
        if len(separators) == 1:
            sep = _needle(separators[0])
            seplen = len(separators[0])
            # Keyed by the bytes object: a caller's bytearray may change.
            at = self.scan_for(sep, PyBytes_AS_STRING(sep), len(sep), start)
            return None if at < 0 else (at, at + seplen)
        needles = [_needle(s) for s in separators]
        lengths = [len(s) for s in separators]
        match = None
        for i in range(len(needles)):
            sep = needles[i]
            at = ring_find(&self.ring, PyBytes_AS_STRING(sep), len(sep), start)
            # Python ints: a len() near PY_SSIZE_T_MAX must not wrap.
            if at >= 0 and (match is None or at + lengths[i] < match[1]):
                match = (at, at + lengths[i])
        return match

    # -- feeding, waking, flow control --------------------------------------

    @cython.final
    cdef inline int overrides(self) except -1:
        if not type_unchanged(Py_TYPE(self), self._type_tag):
            self.learn_type()
        return self._type_overrides | self._patched

    @cython.final
    cdef int learn_type(self) except -1:
        global _learnt_tag, _learnt_overrides
        cdef PyTypeObject *tp = Py_TYPE(self)
        cdef int i
        if type_unchanged(tp, _learnt_tag):
            # The class, unchanged, the last reader's type was: what it
            # replaces is known (most programs make readers of one class).
            self._type_overrides = _learnt_overrides
            self._type_tag = _learnt_tag
            return 0
        cls = type(self)
        self._type_overrides = 0
        for i in range(len(DISPATCHED)):
            if getattr(cls, DISPATCHED[i]) is not getattr(ReaderCore, DISPATCHED[i]):
                self._type_overrides |= 1 << i
        if getattr(cls, "__getattribute__") is not getattr(ReaderCore, "__getattribute__"):
            # Its own attribute lookup may give any of them another method.
            self._type_overrides = ALL_DISPATCHED
        for name in ("__setattr__", "_limit"):
            if getattr(cls, name) is not getattr(ReaderCore, name):
                self._type_overrides |= SETTING_DISPATCHED
        # The lookups above gave the type a version tag, if it can have one.
        self._type_tag = type_tag(tp)
        _learnt_tag = self._type_tag
        _learnt_overrides = self._type_overrides
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
        if PyUnicode_CheckExact(name):
            # One hash lookup rather than a comparison with each name: this
            # runs for every attribute set on a reader.
            bit = DISPATCHED_BITS.get(name)
            if bit is not None:
                if patched:
                    self._patched |= <int>bit
                else:
                    self._patched &= ~<int>bit
            return 0
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
            if plain_c_future(waiter):
                # The same calls, through the methods themselves rather
                # than looked up by name.
                if not _FUTURE_CANCELLED(waiter):
                    _FUTURE_SET_RESULT(waiter, None)
            elif not waiter.cancelled():
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
    cdef int readinto_pass(self, object buffer, bint waited, PyObject **presult) except -1:
        # read_pass() for readinto(buffer), n being the buffer's length,
        # with the copy: PASS_ANSWERED (the count) or PASS_WAITS.
        cdef object result
        cdef Py_ssize_t count = self.copy_into(buffer, waited)
        if count == COPY_WAITS:
            return PASS_WAITS
        if count == COPY_EMPTY:
            count = 0  # as read(0): nothing taken, so no resume either
        else:
            self.resume_if_drained()
        result = count
        presult[0] = <PyObject *>result
        Py_INCREF(result)
        return PASS_ANSWERED

    @cython.final
    cdef Py_ssize_t copy_into(self, object buffer, bint waited) except -3:
        # The bytes read(n) would take, n the buffer's length now, copied
        # into it and consumed: their count.  Not `waited` (a first turn):
        # COPY_EMPTY for an empty buffer, COPY_WAITS if read() would wait,
        # nothing done.  The buffer is taken only for the copy, and anew
        # each time: Python code run during a wait may have resized or
        # released it.  Its exporter's code runs in PyObject_GetBuffer() and
        # PyBuffer_Release(), so the ring is measured after the one and
        # left consistent before the other.
        cdef Py_buffer view
        cdef Py_ssize_t count
        take_writable(buffer, &view)
        if not waited and view.len == 0:
            count = COPY_EMPTY
        elif not waited and ring_size(&self.ring) == 0 and not self._eof:
            count = COPY_WAITS
        else:
            count = min(view.len, ring_size(&self.ring))
            if count:
                memcpy(view.buf, self.ring.data + self.ring.start, count)
            self.consume(count)
        PyBuffer_Release(&view)
        return count

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
    # Each returns a StreamOperation: an awaitable that, when first awaited,
    # runs asyncio's loop for the read on the buffer, waiting on the waiter
    # future itself, and hands over to asyncio's algorithm (the _*_slow
    # coroutines of read_algorithms.pxi) where that would raise.  It is lighter than a
    # coroutine object, which is most of a buffered read's cost.

    @cython.binding(True)
    def readline(self):
        return new_operation(self, OP_READLINE, None)

    @cython.binding(True)
    def readuntil(self, separator=b"\n"):
        return new_operation(self, OP_READUNTIL, separator)

    @cython.binding(True)
    def readexactly(self, n):
        return new_operation(self, OP_READEXACTLY, n)

    @cython.binding(True)
    def read(self, n=-1):
        return new_operation(self, OP_READ, n)

    @cython.binding(True)
    def readinto(self, buffer):
        """Wait as read(n) does, n being len(buffer) in bytes, and copy what
        it would return into `buffer` (writable, C-contiguous) instead:
        the count, 0 at EOF or for an empty buffer.  fastio's own."""
        return new_operation(self, OP_READINTO, buffer)

    def __aiter__(self):
        return self

    def __anext__(self):
        return new_operation(self, OP_ANEXT, None)

    @cython.binding(True)
    def _wait_for_data(self, func_name):
        """Wait until feed_data() or feed_eof() is called.

        If stream was paused, automatically resume it.
        """
        # An operation like the read methods' (no coroutine object): the
        # read algorithms wait through it once per arriving chunk.
        return new_operation(self, OP_WAIT, func_name)

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
