# The ring: byte storage embedded in the object that owns it, ReaderCore
# (bytes received, not yet read) and WriterCore (bytes written, not yet
# handed to the transport), and the one spare block the process keeps.
#
# Invariants: 0 <= start <= end <= capacity; when nothing is stored, data is
# NULL (or the block went to the spare), so an idle stream holds no memory;
# bytes leave only through ring_take() and ring_drop(), which free or
# shrink the block as it empties.
#
# Called by the reader (feeding, taking, searching), the _buffer view and
# the writer.  Declared in _buffer.pxd (ring_size() and ring_clamp() are
# defined there, inline) and compiled into the same C file as those
# callers, so the C compiler can inline them into the hot paths.

cdef extern from "string.h" nogil:
    # A GNU/BSD extension (pyconfig.h defines _GNU_SOURCE): linear-time
    # substring search, for separators longer than one byte.
    void *memmem(const void *haystack, size_t haystacklen,
                 const void *needle, size_t needlelen)


cdef enum:
    # Smallest block a buffer grows to.  Storage grows from what it holds,
    # as a bytearray does, and a first block is exactly what it is given:
    # a server's thousands of connections each holding a few bytes of a
    # partial message cost no more than asyncio's (a 2 KiB minimum cost
    # 1.9 KB more per connection; a 16-byte one, 5 B more than 3.14's
    # smaller reader).
    MIN_CAPACITY = 16
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
    if need <= ring.capacity // 2 or (need <= ring.capacity and size <= ring.start):
        # Slide the live bytes down rather than grow, when that pays for
        # itself: it leaves half the block free, or it moves no more bytes
        # than were consumed since the last move (with blocks sized to what
        # they hold, the second keeps a stream that reads as it is fed in
        # one block).
        memmove(ring.data, ring.data + ring.start, size)
    else:
        if ring.capacity == 0:
            cap = need
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
    n = ring_clamp(ring, n)
    if n == 0:
        return b""
    out = PyBytes_FromStringAndSize(ring.data + ring.start, n)
    ring_drop(ring, n)
    return out


cdef void ring_drop(Ring *ring, Py_ssize_t n) noexcept:
    cdef Py_ssize_t size
    ring.start += ring_clamp(ring, n)
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
