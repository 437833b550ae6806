# How fastio.StreamReaderProtocol receives: data_received(), get_buffer()
# and buffer_updated(), module functions that streams.py installs as the
# protocol's methods, called by the transports; and ReceiveBuffer, the
# event loop's buffer they receive into.
#
# Invariants: bytes are fed exactly as asyncio's data_received() feeds them,
# through the reader's and the protocol's overridable methods whenever
# something replaces them; they are read from storage fastio owns, never
# through a view a transport may have released.

# With data_received(), asyncio's socket transports recv() into a new
# 256 KiB bytes object per read and shrink it: for a short message that is
# an mmap(), an mremap() and a munmap() system call, and a page fault, each
# time.  A BufferedProtocol is given a buffer to recv_into() instead.  The
# buffer is one per event loop, not per connection: a transport hands its
# content to buffer_updated() before the loop does anything else, and an
# idle connection should cost no memory.  What arrives there is fed exactly
# as data_received() would feed it, through the same overridable methods.

cdef extern from "_core/memoryview.h":
    bint fastio_view_released(object view) noexcept


# As much as asyncio's socket transports ask recv() for.
cdef enum:
    RECEIVE_SIZE = 256 * 1024


@cython.final
cdef class ReceiveBuffer:
    """One event loop's receive buffer: storage fastio owns, and the view of
    it that transports are handed (asyncio's SSL transport slices it and
    expects views, not copies).  A transport may release its view, or, once
    released, resize the bytearray behind it: bytes are read from the
    storage, never through a view, and a view is only handed out live."""

    # No __cinit__: the storage is made by the first live_view(), which
    # receive_buffer() calls.  (Cython
    # 3.3.2's argument parsing for a __cinit__ without arguments, called
    # with none through vectorcall, adds 0 to a NULL pointer, which clang's
    # UBSan reports.)

    cdef object live_view(self):
        if self.storage is None or PyByteArray_GET_SIZE(self.storage) != RECEIVE_SIZE:
            self.storage = bytearray(RECEIVE_SIZE)
            self.view = memoryview(self.storage)
        elif fastio_view_released(self.view):
            self.view = memoryview(self.storage)
        return self.view


# event loop -> its ReceiveBuffer
_receive_buffers = weakref.WeakKeyDictionary()

cdef object ASYNCIO_STREAM_READER = _streams.StreamReaderProtocol.__dict__["_stream_reader"]
cdef object _data_received = None  # this module's data_received(), once defined
cdef unsigned int _plain_protocol_tag = 0  # tp_version_tag of a type known to be plain


cdef bint plain_protocol_class(object cls) except -1:
    return (getattr(cls, "data_received") is _data_received
            and getattr(cls, "_stream_reader") is ASYNCIO_STREAM_READER
            and ordinary_lookup(cls))


cdef bint plain_protocol_type(object protocol) except -1:
    """The protocol's type keeps fastio's data_received(), asyncio's
    _stream_reader property and the ordinary attribute lookup, so both can
    be done here without calling them."""
    return type_proven(protocol, &_plain_protocol_tag, plain_protocol_class)


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


# The last loop asked for (weakly) and its buffer: a process usually runs
# one loop, and the protocol itself keeps nothing (an attribute set on it
# after __init__ would cost each connection a dict of its own).
cdef object _last_loop = None
cdef ReceiveBuffer _last_buffer = None


cdef ReceiveBuffer receive_buffer(object loop):
    global _last_loop, _last_buffer
    if _last_loop is not None and _last_loop() is loop:
        return _last_buffer
    buffer = _receive_buffers.get(loop)
    if buffer is None:
        buffer = _receive_buffers[loop] = ReceiveBuffer()
        (<ReceiveBuffer>buffer).live_view()  # its storage, before buffer_updated() asks
    _last_loop = weakref.ref(loop)
    _last_buffer = buffer
    return buffer


@cython.binding(True)
def get_buffer(self, sizehint):
    """The event loop's receive buffer: the transport fills it, then calls
    buffer_updated()."""
    return receive_buffer(self._loop).live_view()


@cython.binding(True)
def buffer_updated(self, Py_ssize_t nbytes):
    """Feed the first nbytes of the receive buffer, as data_received() would."""
    cdef ReceiveBuffer buffer = receive_buffer(self._loop)
    cdef Py_buffer view
    # Exported while the bytes are fed, so Python code run meanwhile (a
    # feed_data() or data_received() of the program's) cannot resize it.
    PyObject_GetBuffer(buffer.storage, &view, PyBUF_SIMPLE)
    try:
        if not 0 <= nbytes <= view.len:
            raise ValueError(
                f"buffer_updated() given {nbytes} bytes of a {view.len}-byte buffer")
        # A data_received() set on the instance (mock.patch.object) counts too.
        method = self.data_received
        if (plain_protocol_type(self) and PyMethod_Check(method)
                and PyMethod_GET_FUNCTION(method) == <PyObject *>_data_received):
            reader = stream_reader(self)
            if reader is not None:
                feed_reader(reader, None, <const char *>view.buf, nbytes)
        else:
            method(PyBytes_FromStringAndSize(<const char *>view.buf, nbytes))
    finally:
        PyBuffer_Release(&view)
