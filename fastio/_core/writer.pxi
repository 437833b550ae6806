# WriterCore, the compiled half of fastio.StreamWriter: small writes held
# while the paired reader has unread bytes, the drain decision, and the
# LoopFlusher that hands held bytes over at the end of each loop iteration.
#
# Invariants: held bytes reach the transport before any later write,
# write_eof(), close() or wait; once the program has the transport or has
# closed, nothing more is held.
#
# Called by streams.StreamWriter (which derives from it) and the event loop
# (LoopFlusher.run); the reader flushes its writer before it waits.

cdef bint transport_is_closing(object transport) except -1:
    # transport.is_closing(); for asyncio's socket transports, what it
    # returns, without its Python frame.
    if getattr(type(transport), "is_closing") is _SELECTOR_IS_CLOSING:
        return transport._closing
    return transport.is_closing()


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
