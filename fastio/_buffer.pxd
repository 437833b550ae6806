# The compiled API of fastio: the bytes between a transport and a stream.
#
# RingBuffer owns storage, cursors and separator search.  ReaderCore is the
# compiled half of fastio.StreamReader (streams.py subclasses it together with
# asyncio.StreamReader): the reader's state, asyncio's limit and pause/resume
# decisions, and the read methods' fast paths.


cdef class RingBuffer:
    cdef:
        char *_data             # PyMem storage; NULL whenever empty, so idle streams hold none
        Py_ssize_t _capacity    # bytes allocated at _data
        Py_ssize_t _start       # read cursor: first unconsumed byte
        Py_ssize_t _end         # write cursor: one past the last stored byte
        object _scan_key        # the separator the scan memory below is about
        Py_ssize_t _scanned     # no match of _scan_key starts before this offset

    # Bytes stored and not yet consumed.
    cdef inline Py_ssize_t size(self) noexcept
    # Room for n > 0 more bytes at _end (compacting or growing); pointer to it.
    cdef char *reserve(self, Py_ssize_t n) except NULL
    # Copy n bytes in after the stored ones.
    cdef int append(self, const char *src, Py_ssize_t n) except -1
    # Copy in any object bytearray.extend() accepts, with its errors.
    cdef int append_object(self, object data) except -1
    # Consume the first n bytes (0 <= n <= size) into a new bytes object.
    cdef bytes take(self, Py_ssize_t n)
    # Consume the first n bytes (0 <= n <= size) without copying them;
    # frees or shrinks the storage once little or nothing is left.
    cdef void drop(self, Py_ssize_t n) noexcept
    # Offset of the first sep at or after `start`, or -1 (memchr / memmem).
    cdef Py_ssize_t find_in(self, const char *sep, Py_ssize_t seplen,
                            Py_ssize_t start) noexcept
    # find_in(), resuming after the bytes already scanned for `key`.
    cdef Py_ssize_t scan_for(self, object key, const char *sep,
                             Py_ssize_t seplen, Py_ssize_t start) noexcept
    # (start, end) of the match of any of `separators` that ends first, at
    # or after `start`, or None; bytearray.find()'s errors for bad separators.
    cpdef object search(self, list separators, Py_ssize_t start)


cdef class ReaderCore:
    cdef:
        readonly RingBuffer _buffer  # the bytes; also what programs reach as reader._buffer
        object _limit_value     # the limit as given: asyncio compares and reprs this object
        Py_ssize_t _limit_n     # floor(limit): the same comparisons on integer sizes
        Py_ssize_t _pause_n     # floor(2 * limit): pause_reading() once the size exceeds it
        public bint _eof        # feed_eof() was called
        public bint _paused     # transport.pause_reading() was called and not undone
        public object _exception  # set_exception(); every read raises it
        public object _waiter   # the future a read coroutine awaits, or None
        public object _transport  # the read transport; None also when it cannot pause
        public object _loop     # the event loop that makes waiter futures

    cdef int wakeup(self) except -1
    cdef int pause_if_full(self) except -1
    cdef int resume_if_drained(self) except -1
    # The fast paths: what asyncio would return right now, or None when the
    # read must wait or raise (the caller then runs asyncio's algorithm).
    cdef object take_through(self, Py_ssize_t at, Py_ssize_t seplen)
    cdef object try_readuntil(self, object separator)
    cdef object try_readexactly(self, object n)
    cdef object try_read(self, object n)
