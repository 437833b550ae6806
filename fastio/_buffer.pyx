# The bytes between a transport and a stream, and the decisions asyncio's
# StreamReader makes about them, in C.  See _buffer.pxd for the fields.
#
# One extension module, one concern per file: this file holds what they all
# share (imports, the asyncio objects bound once, declarations of CPython's
# internals); the _core/*.pxi files it includes hold the rest.  Included, not
# separate modules, so the ring's functions and the reader's final methods
# stay C calls the compiler can inline.

cimport cython
from cpython.buffer cimport (
    PyBUF_FORMAT, PyBUF_ND, PyBUF_SIMPLE, PyBUF_STRIDES, PyBUF_WRITABLE,
    PyBuffer_IsContiguous, PyBuffer_Release,
    PyObject_CheckBuffer, PyObject_GetBuffer,
)
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_CheckExact, PyByteArray_GET_SIZE
from cpython.bytes cimport (
    PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.exc cimport PyErr_Clear, PyErr_Occurred
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION, PyMethod_GET_SELF
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_REFCNT
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.pyport cimport PY_SSIZE_T_MAX
from cpython.unicode cimport PyUnicode_CheckExact
from cpython.weakref cimport PyWeakref_NewRef
from libc.string cimport memchr, memcmp, memcpy, memmove

import asyncio.coroutines
import collections.abc
import inspect
import math
import sys
import weakref
from asyncio import format_helpers
from asyncio.exceptions import IncompleteReadError, LimitOverrunError
from asyncio.streams import _DEFAULT_LIMIT

from . import _compat, _readinto

_streams = sys.modules["asyncio.streams"]
_futures = sys.modules["asyncio.futures"]
_BASE_CREATE_FUTURE = sys.modules["asyncio.base_events"].BaseEventLoop.create_future
_asyncio_drain_helper = _streams.FlowControlMixin._drain_helper
# What a class that does not define its own attribute lookup has.
_OBJECT_GETATTRIBUTE = object.__getattribute__


cdef extern from "Python.h":
    # The type's attribute-cache version: it changes whenever the type or a
    # base is modified, so a result computed from its methods can be kept.
    ctypedef struct PyTypeObject:
        const char *tp_name
        unsigned int tp_version_tag
        unsigned long tp_flags
        Py_ssize_t tp_dictoffset
    unsigned long Py_TPFLAGS_VALID_VERSION_TAG
    unsigned long Py_TPFLAGS_HEAPTYPE
    PyTypeObject *Py_TYPE(object)
    int PyObject_GenericSetAttr(PyObject *obj, PyObject *name, PyObject *value) except -1
    Py_ssize_t Py_SIZE(object)

    # Declared without Cython's error check: the callers test for -1 and an
    # error themselves so an overflow sends them to the slow path.
    Py_ssize_t PyLong_AsSsize_t(object) noexcept
    # With overflow NULL, a huge index is clamped, as slicing clamps it.
    bint PyIndex_Check(object)
    Py_ssize_t PyNumber_AsSsize_t(object, PyObject *overflow) except? -1
    int Py_GetRecursionLimit()


cdef extern from "_core/typetag.h":
    bint fastio_valid_tag(PyTypeObject *tp) noexcept
    unsigned long Py_TPFLAGS_IMMUTABLETYPE


cdef extern from "_core/method_lookup.h":
    int fastio_keeps_method(object obj, object name) except -1
    bint fastio_no_instance_attributes(object obj) noexcept


cdef extern from "_core/object_alloc.h":
    int fastio_allocate_as_object(object cls) except -1


def allocate_as_object(cls):
    """Instances of `cls` (streams.StreamWriter) are allocated through
    object.__new__, with the inline attribute values an instance of a
    Python class has (_core/object_alloc.h)."""
    fastio_allocate_as_object(cls)


# Cython's objects give their heap type's reference back when freed (the
# header says which Cython versions do not).
cdef extern from "_core/heap_type_dealloc.h":
    pass


cdef inline bint type_unchanged(PyTypeObject *tp, unsigned int tag) noexcept:
    # True when tp is the type whose tp_version_tag was recorded as `tag` and
    # no attribute of it or its bases has changed since: CPython gives a
    # type a new tag on every such change (and none it can't track).
    return fastio_valid_tag(tp) and tp.tp_version_tag == tag


cdef inline unsigned int type_tag(PyTypeObject *tp) noexcept:
    # tp's version tag as it is now, to record for type_unchanged(); 0, a tag
    # no type has, if CPython cannot give it one.
    return tp.tp_version_tag if fastio_valid_tag(tp) else 0


ctypedef bint (*class_test)(object cls) except -1


cdef inline bint type_proven(object obj, unsigned int *tag, class_test test) except -1:
    # test(type(obj)) holds, asked again only when type(obj) is not the class
    # it last held for, unchanged (*tag, that class's version tag then).
    cdef PyTypeObject *tp = Py_TYPE(obj)
    if type_unchanged(tp, tag[0]):
        return True
    if not test(type(obj)):
        return False
    # The test's lookups gave the type a version tag, if it can have one.
    tag[0] = type_tag(tp)
    return True


cdef inline bint ordinary_lookup(object cls) except -1:
    # cls finds attributes as object does: none of its own __getattribute__.
    return getattr(cls, "__getattribute__") is _OBJECT_GETATTRIBUTE


cdef int mark_coroutine_function(object method) except -1:
    # asyncio.iscoroutinefunction() and (3.12+) inspect's marker: these
    # methods return awaitables that behave as coroutines.  (Before 3.11,
    # Cython's functions answer _is_coroutine themselves, read-only.)
    try:
        method._is_coroutine = asyncio.coroutines._is_coroutine
    except AttributeError:
        pass
    if hasattr(inspect, "markcoroutinefunction"):
        inspect.markcoroutinefunction(method)
    return 0


# Cython resolves names across the whole module, so these files call one
# another freely; only their module-level statements run in this order
# (stream_operation.pxi marks ReaderCore's read methods as coroutine
# functions, writer.pxi WriterCore.drain(), with the helper above).
# constants.pxi, first, holds the names more than one of them uses.
include "_core/constants.pxi"
include "_core/ring.pxi"
include "_core/reader.pxi"
include "_core/read_algorithms.pxi"
include "_core/stream_operation.pxi"
include "_core/buffer_view.pxi"
include "_core/receiving.pxi"
include "_core/transports.pxi"
include "_core/writer.pxi"
