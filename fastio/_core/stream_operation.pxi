# StreamOperation: what the reader's read methods, _wait_for_data() and the
# writer's drain() return, an awaitable that behaves as the coroutine asyncio
# returns (send(), throw(), close(), and am_send on 3.10+), running a read's
# loop or drain()'s checks itself while it can; and the spare kept for reuse
# (one class for all of them, so one spare serves reads and drains alike).
#
# Invariants: nothing is read before the first send; one send, throw or
# close at a time (a second, from Python code the first runs, is refused as
# a running coroutine refuses it); a finished (DONE) operation holds no
# reader, writer or coroutine, and is reused only when nothing else refers
# to it.
#
# Made by reader.pxi's read methods and WriterCore.drain() (writer.pxi);
# driven by whoever awaits it, usually the event loop's Task.

cdef extern from "_core/operation.h":
    ctypedef struct PyTypeObject_full "PyTypeObject"
    int fastio_iter_send(object it, object arg, PyObject **res) except? -1
    void fastio_set_am_send(PyTypeObject_full *type, void *send)
    int fastio_operation_depth
    int fastio_origin_depth() noexcept
    void fastio_warn_unawaited(object op) noexcept


cdef object coroutine_origin(int depth):
    # What a coroutine made here would have as cr_origin: (filename, line,
    # function) of the calling frames, innermost first, `depth` of them.
    # (The read methods are compiled: they add no frame of their own.)
    if depth < 0:
        depth = sys.get_coroutine_origin_tracking_depth()
        if depth == 0:
            return None
    frames = []
    frame = sys._getframe(0)
    while frame is not None and len(frames) < depth:
        frames.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    return tuple(frames)


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


cdef enum:
    # Operations nested deeper than this check Python's recursion limit.
    DEPTH_UNCHECKED = 16

cdef enum:
    NEW = 0  # what a fresh (zeroed) StreamOperation holds
    RUNNING = 1  # delegating to a coroutine (or the future, for OP_WAIT)
    DONE = 2
    WAITING = 3  # a readuntil() family operation awaiting the reader's waiter itself


cdef inline int delegate_send(object delegate, object value, PyObject **presult) except? -1:
    # fastio_iter_send() into what an operation delegates to.  A coroutine
    # there may await another operation, which sends into its own: read()
    # to EOF awaits read(limit), each level a C call into the next, where
    # Python's recursion limit does not look (and from 3.12 its C limit is
    # higher than a thread's stack allows for these).  Counted here, per
    # thread; the limit is looked up only past a depth reads reach in practice.
    global fastio_operation_depth
    if (fastio_operation_depth >= DEPTH_UNCHECKED
            and fastio_operation_depth >= Py_GetRecursionLimit()):
        # Raised where the delegate awaits, as Python raises it in a frame
        # (and a coroutine that never ran is closed by it, not left to warn).
        status = 1
        try:
            result = delegate.throw(RecursionError("maximum recursion depth exceeded"))
        except StopIteration as e:
            result = e.value
            status = 0
        presult[0] = <PyObject *>result
        Py_INCREF(result)
        return status
    fastio_operation_depth += 1
    try:
        return fastio_iter_send(delegate, value, presult)
    finally:
        fastio_operation_depth -= 1


async def _unstarted():
    pass


# A finished operation, cleared, kept for the next read or drain: most are
# awaited, answered and dropped before the next call, and refilling one
# costs a fraction of making another.
cdef StreamOperation spare_operation = None


cdef inline StreamOperation new_operation(ReaderCore reader, int op, object arg):
    global spare_operation
    cdef StreamOperation operation = spare_operation
    # Reused only when nothing else holds it (here: spare_operation and `operation`):
    # whoever kept a finished one may still await it, and must get the
    # "cannot reuse" error.
    if operation is not None and Py_REFCNT(operation) == 2:
        spare_operation = None
        operation.state = NEW
    else:
        operation = StreamOperation.__new__(StreamOperation)
    operation.reader = reader
    operation.op = op
    operation.arg = arg
    depth = fastio_origin_depth()
    if depth != 0:
        operation.origin = coroutine_origin(depth)
    return operation


# No freelist: an object taken from one would keep the "finalized" mark of
# the one before, and __del__ (the never-awaited warning) would not run.
@cython.final
cdef class StreamOperation:
    """One call of reader.readline(), readuntil(), readexactly(), read(),
    readinto(), __anext__() or _wait_for_data(), or of writer.drain(), awaited
    like the coroutine asyncio returns (readinto(), fastio's own, like the
    coroutine read() returns).

    Nothing happens until it is first awaited (or sent None by a Task), so
    one created and cancelled before it runs reads (or flushes) nothing, as
    with asyncio.  drain() runs asyncio's drain() up to its first await
    (WriterCore.drain_begin()), and the coroutine from there if it waits;
    _wait_for_data() awaits the waiter future it makes.  A read, for the
    usual arguments, runs asyncio's loop turn by turn without a coroutine
    object (runs_here(), turn()): it answers at once when it can, and waits
    on the reader's waiter future itself.  Where asyncio's algorithm would
    raise, or for unusual arguments, it drives the coroutine running that
    algorithm.  Registered as a collections.abc.Coroutine, so create_task(),
    gather() and wait_for() take it.
    """

    @property
    def __name__(self):
        return OP_NAMES[self.op]

    @property
    def __qualname__(self):
        return ("StreamWriter." if self.op == OP_DRAIN else "StreamReader.") + OP_NAMES[self.op]

    @property
    def cr_origin(self):
        return self.origin

    def __del__(self):
        # Made by a read method or drain() and never awaited, sent to,
        # thrown into or closed: the warning a coroutine gives then.
        if self.state == NEW and (self.reader is not None or self.arg is not None):
            fastio_warn_unawaited(self)

    def __repr__(self):
        return f"<{self.__qualname__}() operation>"

    def __await__(self):
        return self

    def __next__(self):
        return self.send(None)

    cdef void finish(self) noexcept:
        global spare_operation
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
        self.origin = None
        spare_operation = self

    cdef int start(self, PyObject **presult) except -1:
        # The first send: 0 with the answer in presult, or 1 with the work
        # handed to self.delegate.  DONE until then, so that whatever raises
        # here leaves the operation finished.
        cdef bint direct
        self.state = DONE
        if self.op == OP_WAIT:
            # The future's own iterator: it yields the future to the Task
            # and returns (or raises) its result.
            self.delegate = awaiting(self.reader.begin_wait(self.arg))
        elif self.op == OP_DRAIN:
            self.delegate = (<WriterCore>self.arg).drain_begin()
            if self.delegate is None:
                presult[0] = <PyObject *>None  # what drain() returns
                Py_INCREF(None)
                self.finish()
                return 0
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
            self.delegate = algorithm(self.reader, self.op, self.arg, direct)
        self.state = RUNNING
        return 1

    cdef inline bint runs_here(self) except -1:
        # With no exception set, readline(), __anext__(), readinto(),
        # readuntil() with a non-empty bytes separator, and readexactly() or
        # read() of an int n >= 0 run asyncio's loop here, turn by turn,
        # without a coroutine.
        if self.reader._exception is not None:
            return False
        if self.op == OP_READLINE or self.op == OP_ANEXT or self.op == OP_READINTO:
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
        elif self.op == OP_READINTO:
            status = self.reader.readinto_pass(self.arg, waited, presult)
        else:
            status = self.reader.readuntil_pass(self.separator(), &offset, presult)
        if status != PASS_WAITS:
            return status
        if self.reader.overrides() & WAIT_DISPATCHED:
            return PASS_OTHERWISE  # the coroutine calls the replacement
        self.delegate = awaiting(self.reader.begin_wait(
            "readexactly" if self.op == OP_READEXACTLY else
            "read" if self.op == OP_READ or self.op == OP_READINTO else "readuntil"))
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
        # (Direct: the loop ran here, so readline() is the readuntil() loop.)
        self.delegate = algorithm(self.reader, self.op, self.arg, True, self.offset, failure)
        return delegate_send(self.delegate, None, presult)

    cdef inline int enter(self) except -1:
        # The operation runs Python code (a transport's write(), asyncio's
        # algorithm, a waiter's callbacks) that may come back to this very
        # operation: like a coroutine, it refuses to run twice at once.
        if self.executing:
            raise ValueError("coroutine already executing")
        self.executing = True
        return 0

    cdef inline void leave(self) noexcept:
        self.executing = False

    cdef int step(self, object value, PyObject **presult) except -1:
        # One send(): 1 with the value yielded in presult, 0 with the value
        # returned, or an exception.  (One function with its guard: a call
        # more per read costs measurably.)
        cdef int status = 0
        self.enter()
        try:
            if self.state == NEW:
                if value is not None:
                    raise TypeError("can't send non-None value to a just-started coroutine")
                if self.start(presult) == 0:
                    return 0
            elif self.state == DONE:
                raise RuntimeError("cannot reuse already awaited coroutine")
            failure = None
            try:
                if self.state == WAITING or self.op == OP_WAIT:
                    # A future's iterator: it awaits nothing that nests.
                    status = fastio_iter_send(self.delegate, value, presult)
                else:
                    status = delegate_send(self.delegate, value, presult)
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
                    # Nothing until the turn answers: on an error a Task
                    # takes a result left here for the operation's return value.
                    presult[0] = NULL
            if self.state == WAITING:
                status = self.woken(failure, presult)
            if status == 0:
                self.finish()
            return status
        finally:
            self.leave()

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
        self.enter()
        try:
            return self.thrown(args)
        finally:
            self.leave()

    cdef object thrown(self, tuple args):
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
        if self.executing:
            raise ValueError("coroutine already executing")
        if self.state == RUNNING or self.state == WAITING:
            delegate = self.delegate
            self.finish()
            delegate.close()
        self.finish()


cdef object outcome(int status, PyObject *out):
    # What send() or throw() gives for step()'s status and new reference.
    result = <object>out
    Py_DECREF(result)
    if status == 1:
        return result
    raise StopIteration(result)


cdef int operation_am_send(PyObject *obj, PyObject *arg, PyObject **presult) except -1:
    """am_send (3.10+): the await and Task path, answering at once without
    raising StopIteration. 0 returned, 1 yielded, -1 error (with *presult
    NULL: the interpreter's await looks for no result beside an error, and
    a debug build asserts there is none)."""
    presult[0] = NULL
    return (<StreamOperation>obj).step(<object>arg, presult)


fastio_set_am_send(<PyTypeObject_full *>StreamOperation, <void *>operation_am_send)
collections.abc.Coroutine.register(StreamOperation)


for _name in OP_NAMES[:OP_ANEXT] + (OP_NAMES[OP_WAIT], OP_NAMES[OP_READINTO]):
    mark_coroutine_function(getattr(ReaderCore, _name))
