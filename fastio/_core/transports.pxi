# The transports fastio knows, and the shortcuts it takes only with them.
#
# Known: asyncio's socket and TLS transports (and classes the tests vouch
# for, _trust_transport_class()), of exactly their classes as defined (the
# type's version tag is the one recorded when fastio learnt the class: any
# change to the class or a base gives it another), on an
# instance that replaces none of the methods fastio skips or calls on its
# own (mock.patch.object sets them in the instance's dict); and uvloop's
# TCP, Unix and TLS transports, exact types that Python code cannot modify
# and whose instances have no dict.  Only on these does the writer hold
# writes, ask for the write buffer's limits and size (calls asyncio's
# drain() never makes) and read `_closing` for is_closing().  Any other
# transport, a Mock or a wrapper delegating through __getattr__ among them,
# gets exactly the calls asyncio makes, on the instance, in its order.
#
# Used by writer.pxi.

# The transport methods fastio calls other than asyncio would, or skips.
cdef tuple SHORTCUT_METHODS = ("is_closing", "write", "writelines",
                               "get_write_buffer_limits", "get_write_buffer_size")

cdef object _SELECTOR_TRANSPORT = sys.modules["asyncio.selector_events"]._SelectorSocketTransport
cdef object _SSL_TRANSPORT = sys.modules["asyncio.sslproto"]._SSLProtocolTransport


cdef enum:
    MAX_KNOWN_CLASSES = 8

# The version tags of the Python transport classes fastio knows, as they
# were when it learnt them.
cdef unsigned int known_tags[MAX_KNOWN_CLASSES]
cdef int n_known = 0


cdef unsigned int current_tag(object cls) except? 0:
    # cls's version tag as it is now (0, a tag no type has, if CPython cannot
    # give it one).  Looking an attribute up gives it one if it can.
    getattr(cls, "write", None)
    return type_tag(<PyTypeObject *>cls)


cdef int know_class(object cls) except -1:
    global n_known
    cdef unsigned int tag = current_tag(cls)
    if tag == 0 or n_known == MAX_KNOWN_CLASSES:
        return 0
    known_tags[n_known] = tag
    n_known += 1
    return 0


cdef int know_asyncio_class(object cls) except -1:
    # Only if each of the methods fastio shortcuts is asyncio's own (or
    # absent): not a class something patched before fastio was imported.
    for name in SHORTCUT_METHODS:
        method = getattr(cls, name, None)
        if method is not None and not getattr(method, "__module__", "").startswith("asyncio."):
            return 0
    return know_class(cls)


know_asyncio_class(_SELECTOR_TRANSPORT)
cdef unsigned int _selector_tag = known_tags[0] if n_known else 0
know_asyncio_class(_SSL_TRANSPORT)


def _trust_transport_class(cls):
    """Treat transports of exactly this class, as it is now, as ones fastio
    knows: its write(), writelines(), is_closing() and write-buffer queries
    behave as asyncio's transports' do.  For the tests' recording
    transports; asyncio's and uvloop's are known already."""
    if not isinstance(cls, type):
        raise TypeError(f"a class is required, not {type(cls).__name__}")
    know_class(cls)


# uvloop's, once it is imported (None until then).
cdef tuple _uvloop_transports = None


cdef tuple uvloop_transports():
    global _uvloop_transports
    if _uvloop_transports is None:
        uvloop = sys.modules.get("uvloop.loop")
        if uvloop is None:
            return ()
        found = []
        for name in ("TCPTransport", "UnixTransport", "_SSLProtocolTransport"):
            cls = getattr(uvloop, name, None)
            # Compiled, immutable, no instance dict: exact type is proof.
            if (isinstance(cls, type) and (<PyTypeObject *>cls).tp_dictoffset == 0
                    and not (<PyTypeObject *>cls).tp_flags & Py_TPFLAGS_HEAPTYPE):
                found.append(cls)
        _uvloop_transports = tuple(found)
    return _uvloop_transports


cdef inline bint unpatched(object transport, object name) except -1:
    # The instance of an asyncio transport class does not replace `name`
    # (the class, known, defines it as a function).
    return fastio_keeps_method(transport, name)


cdef bint known_transport(object transport) except -1:
    """The transport is one of those above, replacing none of
    SHORTCUT_METHODS: the writer may hold writes for it and ask it for its
    write buffer's limits and size."""
    cdef PyTypeObject *tp = Py_TYPE(transport)
    cdef int i
    for i in range(n_known):
        if type_unchanged(tp, known_tags[i]):
            for name in SHORTCUT_METHODS:
                if not unpatched(transport, name):
                    return False
            return True
    return type(transport) in uvloop_transports()


cdef bint transport_is_closing(object transport) except -1:
    # transport.is_closing(); for asyncio's socket transport, proven so,
    # what that returns, without its Python frame.
    if type_unchanged(Py_TYPE(transport), _selector_tag) and unpatched(transport, "is_closing"):
        return transport._closing
    return transport.is_closing()
