# ReadBufferView, what programs reach as ``reader._buffer``: the reader's
# ring with bytearray's face.
#
# Invariant: it holds no bytes of its own, and every change it makes goes
# through the reader's take() or consume(), so the scan memory stays true.
#
# Made by ReaderCore._buffer (and line_overrun()); used by programs and
# libraries that reach into reader._buffer, and by the test suite.

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

    def __getbuffer__(self, Py_buffer *view, int flags):
        # A read-only copy of the bytes, for code that reads reader._buffer
        # through the buffer protocol (3.14's loop.start_tls() hands it to
        # the TLS layer): the ring stays free to move its storage.
        if flags & PyBUF_WRITABLE:
            raise BufferError("Object is not writable.")
        cdef bytes copy = bytes(self)
        Py_INCREF(copy)  # released in __releasebuffer__
        view.internal = <void *>copy
        view.obj = self
        view.buf = PyBytes_AS_STRING(copy)
        view.len = PyBytes_GET_SIZE(copy)
        view.readonly = 1
        view.itemsize = 1
        view.format = NULL
        if flags & PyBUF_FORMAT:
            view.format = "B"
        view.ndim = 1
        view.shape = &view.len if flags & PyBUF_ND else NULL
        view.strides = &view.itemsize if flags & PyBUF_STRIDES else NULL
        view.suboffsets = NULL

    def __releasebuffer__(self, Py_buffer *view):
        Py_DECREF(<object>view.internal)

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
        # bytearray's errors: a huge index is out of range, not an overflow.
        if not PyIndex_Check(index):
            raise TypeError(
                f"bytearray indices must be integers or slices, not {type(index).__name__}")
        i = PyNumber_AsSsize_t(index, <PyObject *>IndexError)
        if i < 0:
            i += ring_size(ring)
        if not 0 <= i < ring_size(ring):
            raise IndexError("bytearray index out of range")
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
        """bytearray's reading of a start argument: an index (clamped, not
        overflowing, when huge); negative counts from the end; past the end
        stays past the end (and matches nothing)."""
        cdef Py_ssize_t at = 0
        if start is not None:
            if not PyIndex_Check(start):
                raise TypeError("slice indices must be integers or None "
                                "or have an __index__ method")
            at = PyNumber_AsSsize_t(start, NULL)
        if at < 0:
            at = max(0, at + ring_size(&self.reader.ring))
        return at

    def find(self, sub, start=0):
        cdef bytes needle = _needle(sub)
        return ring_find(&self.reader.ring, needle, len(needle), self.start_index(start))

    def startswith(self, prefix, start=0):
        cdef Ring *ring = &self.reader.ring
        cdef bytes needle
        cdef Py_ssize_t at
        if isinstance(prefix, tuple):
            return any([self.startswith(p, start) for p in prefix])
        # The needle first: the buffer protocol may run Python code, and the
        # index and the comparison must see the ring as it is after that.
        needle = _needle(prefix)
        at = self.start_index(start)
        return at <= ring_size(ring) and len(needle) <= ring_size(ring) - at and (
            # memcmp() may not be given a NULL pointer (an empty ring's data).
            len(needle) == 0
            or memcmp(ring.data + ring.start + at, PyBytes_AS_STRING(needle), len(needle)) == 0)

    def search(self, list separators, Py_ssize_t start):
        """(start, end) of the match that ends first at or after start, or None.

        `separators` is sorted shortest first, as asyncio sorts them.
        """
        return self.reader.search(separators, start)

    def take_prefix(self, n):
        """Consume what ``buf[:n]`` names (with slicing's TypeError)."""
        return self.reader.take(slice(None, n).indices(len(self))[1])
