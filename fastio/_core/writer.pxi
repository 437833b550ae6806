# WriterCore, the compiled half of fastio.StreamWriter: small writes held
# while the paired reader has unread bytes, the drain decision, and the
# LoopFlusher that hands held bytes over at the end of each loop iteration.
#
# Invariants: held bytes reach the transport before any later write,
# write_eof(), close() or wait; once the program has the transport or has
# closed, nothing more is held.
#
# Writes are held only for a transport fastio knows (transports.pxi); any
# other gets asyncio's calls, as drain() does everything it cannot prove.
#
# Called by streams.StreamWriter (which derives from it) and the event loop
# (LoopFlusher.run); the reader flushes its writer before it waits.

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

    def __cinit__(self, loop, bint weak):
        # Weakly when _flushers keeps it: a value there referring to its key
        # would keep every loop that ever held a write alive.
        self.loop = weakref.ref(loop) if weak else loop
        self.weak = weak
        self.pending = []

    cdef object event_loop(self):
        return self.loop() if self.weak else self.loop

    cdef int enlist(self, WriterCore writer) except -1:
        writer._enlisted = True
        self.pending.append(writer)
        if not self.scheduled:
            self.scheduled = True
            self.event_loop().call_soon(self.run)
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
                self.event_loop().call_exception_handler({
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
        return LoopFlusher(loop, False)
    if flusher is None:
        flusher = _flushers[loop] = LoopFlusher(loop, True)
    return flusher


cdef class WriterCore:
    """The compiled half of fastio.StreamWriter.

    A write goes to the transport at once, as asyncio's does, unless the
    connection's fastio reader still holds unread bytes: then the program is
    working through pipelined requests and will write again before it waits,
    so small writes gather here and leave together when the reader runs dry
    (with the write that answers its last buffered bytes), when 64 KiB are
    held, when the program drains and handing them over could make a
    difference (see keeps_batch()), or at the end of the event-loop
    iteration.  Request/response
    traffic thus writes exactly as asyncio does, and pipelined traffic in
    few large writes.  close() and write_eof() hand over what is held first,
    and once the program has reached for the transport (writer.transport)
    or closed, every write goes straight through, so the peer sees the same
    bytes in the same order as with asyncio's writer.
    """

    def __dealloc__(self):
        ring_free(&self.ring)

    @property
    def _reader(self):
        return self._reader_value

    @_reader.setter
    def _reader(self, reader):
        # asyncio's __init__ sets it: a fastio reader is then the same
        # connection's, which this writer holds bytes for while it has
        # unread input, and which flushes them before it waits.  (Paired
        # here, so StreamWriter needs no __init__ of its own: a Python frame
        # and a super() call per connection.)
        self._reader_value = reader
        if isinstance(reader, ReaderCore):
            self._paired = reader
            (<ReaderCore>reader)._writer_ref = PyWeakref_NewRef(self, None)
        else:
            self._paired = None

    @_reader.deleter
    def _reader(self):
        self._reader_value = None
        self._paired = None

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
        if ring_size(&self.ring) != 0:
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
    cdef bint starts_batch(self) except -1:
        # Nothing is held yet: a batch may begin, on a transport fastio knows.
        return self.holding() and known_transport(self._transport)

    @cython.final
    cdef int write_one(self, object data, bint lines) except -1:
        cdef Py_ssize_t n = held_size(data)
        cdef bint had = ring_size(&self.ring) != 0
        if 0 < n < HOLD_LIMIT and (had or self.starts_batch()):
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
        if ring_size(&self.ring) != 0 or self.starts_batch():
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
        # When awaited: asyncio's drain() statement by statement
        # (drain_begin()), with a coroutine only from where it would wait;
        # most calls need none at all.
        return new_operation(None, OP_DRAIN, self)

    @cython.final
    cdef object drain_begin(self):
        """asyncio's drain() up to its first await: None where it would
        return at once, else the coroutine that goes on from there.  What
        it raises before then is raised here.

        Statement by statement, each call asyncio makes is made, on the
        instance, in its order, unless the object is proven to be one fastio
        knows (the reader fastio's, with its own exception(); the transport
        asyncio's socket transport; the protocol's _drain_helper asyncio's),
        and then its answer is read in place.  Held bytes go to the
        transport first, unless that changes nothing (keeps_batch())."""
        if ring_size(&self.ring) != 0 and not self.keeps_batch():
            self.flush()
        reader = self._reader_value
        if reader is not None:
            exc = reader_exception(reader)
            if exc is not None:
                raise exc
        if transport_is_closing(self._transport):
            return _drain_rest(self, True)
        if drain_helper_returns(self._protocol):
            return None
        return _drain_rest(self, False)

    @cython.final
    cdef bint keeps_batch(self) except -1:
        """Held bytes may stay held through drain(): the batch goes on (the
        reader still has unread bytes), the transport is one fastio knows
        and they fit under its high-water mark with what it buffers (so
        handing them over could not pause it), and asyncio's drain() would
        return at once, as proven without a call."""
        if not (self.holding() and known_transport(self._transport)
                and self.fits_under_high_water()):
            return False
        reader = self._reader_value
        if reader is not None and not (isinstance(reader, ReaderCore)
                                       and own_exception_method(<ReaderCore>reader)
                                       and (<ReaderCore>reader)._exception is None):
            return False
        return (not transport_is_closing(self._transport)
                and drain_helper_returns(self._protocol))

    @cython.final
    cdef bint fits_under_high_water(self) except -1:
        # Only for a transport fastio knows.  asyncio's drain() makes neither
        # call, so nothing they raise may show: a transport that cannot say
        # gets its batch.
        try:
            high = self._transport.get_write_buffer_limits()[1]
            buffered = self._transport.get_write_buffer_size()
        except Exception:
            return False
        return ring_size(&self.ring) + buffered <= high


async def _drain_rest(writer, bint closing):
    # asyncio's drain() from its is_closing() check on, that check made.
    if closing:
        await _streams.sleep(0)
    await can_await(writer._protocol._drain_helper())


cdef inline bint own_exception_method(ReaderCore reader) except -1:
    # Neither its type nor the instance replaces ReaderCore.exception().
    return not (reader.overrides() & EXCEPTION_DISPATCHED)


cdef object reader_exception(object reader):
    # reader.exception(); for a fastio reader with its own method, the
    # attribute it returns.
    if isinstance(reader, ReaderCore) and own_exception_method(<ReaderCore>reader):
        return (<ReaderCore>reader)._exception
    return reader.exception()


cdef bint drain_helper_returns(object protocol) except -1:
    # protocol._drain_helper() is asyncio's and would return at once: the
    # connection is not lost and the protocol not paused.
    return (has_asyncio_drain_helper(protocol)
            and not protocol._connection_lost and not protocol._paused)


# The version tag of the last protocol class found to keep asyncio's
# _drain_helper and the ordinary attribute lookup.
cdef unsigned int _drain_protocol_tag = 0


cdef bint has_asyncio_drain_helper(object protocol) except -1:
    """protocol._drain_helper would be asyncio's FlowControlMixin._drain_helper
    bound to it, which raises if the connection is lost, waits if the
    protocol is paused, and else returns.  Proven from the class (as it is
    now) and the instance's attributes, without binding the method."""
    if not type_proven(protocol, &_drain_protocol_tag, asyncio_drain_helper_class):
        return False
    return Py_TYPE(protocol).tp_dictoffset == 0 or fastio_keeps_method(protocol, "_drain_helper")


cdef bint asyncio_drain_helper_class(object cls) except -1:
    return (getattr(cls, "_drain_helper", None) is _asyncio_drain_helper
            and ordinary_lookup(cls))


mark_coroutine_function(WriterCore.drain)
