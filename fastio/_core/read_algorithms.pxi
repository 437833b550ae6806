# asyncio's read algorithms, for when a read cannot answer at once: the
# _*_slow coroutines a StreamOperation hands over to where asyncio would raise,
# and for unusual arguments (the reader's *_pass methods do the rest, in C).
# Functions of the reader, `self` as in the methods they were: Cython allows
# no include inside a class body.
#
# Invariant: line by line the running asyncio's StreamReader methods
# (streams.py there), on this buffer; methods asyncio calls through self are
# called through self here too, unless nothing overrides them.
# _readinto_slow(), for fastio's own readinto(), is _read_slow() copying
# into the caller's buffer.
#
# Called by StreamOperation (stream_operation.pxi): start() and resume(),
# through algorithm().

cdef int resume_dispatched(ReaderCore self) except -1:
    if self.dispatch_is_direct():
        return self.resume_if_drained()
    self._maybe_resume_transport()
    return 0


async def _readline_slow(ReaderCore self):
    # Something replaces readuntil(): asyncio's readline() calls it
    # through self.
    sep = NEWLINE
    try:
        line = await self.readuntil(sep)
    except IncompleteReadError as e:
        return e.partial
    except LimitOverrunError as e:
        raise line_overrun(self, e)
    return line


cdef object line_overrun(ReaderCore self, e):
    # readline()'s answer to a line over the limit: drop it (with its
    # newline, if that arrived), and raise ValueError.
    view = ReadBufferView(self)
    if view.startswith(NEWLINE, e.consumed):
        del view[:e.consumed + len(NEWLINE)]
    else:
        view.clear()
    resume_dispatched(self)
    return ValueError(e.args[0])


async def _readuntil_slow(ReaderCore self, separator, int op=OP_READUNTIL,
                          Py_ssize_t offset=-1, failure=None):
    # With op OP_READLINE or OP_ANEXT (separator b"\\n", and nothing
    # replaces readuntil() or readline()), this is also what readline()
    # and __anext__() do with readuntil()'s outcome: one coroutine where
    # asyncio has three.
    #
    # offset >= 0: the StreamOperation ran the loop up to here itself (see
    # StreamOperation.turn() and resume()) and this goes on from there,
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
        # match_end was found before the limit comparison, which may have
        # changed the buffer.
        line = self.take(_compat.taken(match_end, ring_size(&self.ring)))
        resume_dispatched(self)
    except IncompleteReadError as e:
        if op == OP_READUNTIL:
            raise
        line = e.partial
    except LimitOverrunError as e:
        if op == OP_READUNTIL:
            raise
        raise line_overrun(self, e)
    if op == OP_ANEXT and line == b'':
        raise StopAsyncIteration
    return line


async def _read_slow(ReaderCore self, n, bint resumed=False, failure=None):
    # resumed: the StreamOperation waited for data itself (see its
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
    data = self.take(_compat.read_taken(n, ring_size(&self.ring)))
    resume_dispatched(self)
    return data


async def _readexactly_slow(ReaderCore self, n, bint resumed=False, failure=None):
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

    data = self.take(_compat.readexactly_taken(n, ring_size(&self.ring)))
    resume_dispatched(self)
    return data


async def _readinto_slow(ReaderCore self, buffer, bint resumed=False, failure=None):
    # readinto(buffer): the buffer's checks first, then _read_slow() for n,
    # its length, copying rather than taking a bytes object (see
    # ReaderCore.copy_into()).
    if resumed:
        if failure is not None:
            raise failure
    else:
        check_writable(buffer)
        if self._exception is not None:
            raise self._exception
        count = self.copy_into(buffer, False)
        if count == COPY_EMPTY:
            return 0
        if count != COPY_WAITS:
            resume_dispatched(self)
            return count
        await self._wait_for_data('read')
    count = self.copy_into(buffer, True)
    resume_dispatched(self)
    return count


async def _anext_slow(ReaderCore self):
    # Something replaces readline() (or readuntil()).
    val = await self.readline()
    if val == b'':
        raise StopAsyncIteration
    return val


cdef object algorithm(ReaderCore self, int op, object arg, bint direct,
                      Py_ssize_t offset=-1, object failure=None):
    if op == OP_READUNTIL:
        return _readuntil_slow(self, arg, op, offset, failure)
    if op == OP_READEXACTLY:
        return _readexactly_slow(self, arg, offset >= 0, failure)
    if op == OP_READ:
        return _read_slow(self, arg, offset >= 0, failure)
    if op == OP_READINTO:
        return _readinto_slow(self, arg, offset >= 0, failure)
    if direct:
        return _readuntil_slow(self, NEWLINE, op, offset, failure)
    if op == OP_READLINE:
        return _readline_slow(self)
    return _anext_slow(self)
