/* What an operation (stream_operation.pxi) needs from CPython beyond its
   API: sending into what it delegates to, am_send, the nesting depth,
   coroutine origin tracking and the never-awaited warning. */
#ifndef FASTIO_OPERATION_H
#define FASTIO_OPERATION_H

#if PY_VERSION_HEX >= 0x030A0000
#define fastio_iter_send(it, arg, res) ((int)PyIter_Send((it), (arg), (res)))
static void fastio_set_am_send(PyTypeObject *type, void *send) {
    if (type->tp_as_async) type->tp_as_async->am_send = (sendfunc)send;
}
#else
/* No PyIter_Send before 3.10: the same through __next__ / send(). */
static int fastio_iter_send(PyObject *it, PyObject *arg, PyObject **res) {
    PyObject *r = (arg == Py_None && PyIter_Check(it))
        ? Py_TYPE(it)->tp_iternext(it)
        : PyObject_CallMethod(it, "send", "O", arg);
    if (r) { *res = r; return 1; }
    return _PyGen_FetchStopIterationValue(res) == 0 ? 0 : -1;
}
static void fastio_set_am_send(PyTypeObject *type, void *send) { (void)type; (void)send; }
#endif

/* How deep this thread is in operations sending into what they
   delegate to (see delegate_send()). */
static __thread int fastio_operation_depth = 0;

/* sys.get_coroutine_origin_tracking_depth(), without the call (-1:
   ask sys, where the thread state is not CPython's). */
static int fastio_origin_depth(void) {
#if defined(PYPY_VERSION)
    return -1;
#else
    return PyThreadState_Get()->coroutine_origin_tracking_depth;
#endif
}

/* What CPython does for a coroutine finalized before it ever ran
   (_PyErr_WarnUnawaitedCoroutine): warnings._warn_unawaited_coroutine(),
   which words the warning from __qualname__ and cr_origin, else a plain
   RuntimeWarning; an error from either is unraisable. */
/* From 3.14 the error is reported with a message naming the coroutine and
   no object, as CPython's coroutines do. */
#if PY_VERSION_HEX >= 0x030E0000
#define fastio_unraisable(op) \
    PyErr_FormatUnraisable("Exception ignored while finalizing coroutine %R", (op))
#else
#define fastio_unraisable(op) PyErr_WriteUnraisable(op)
#endif

static void fastio_warn_unawaited(PyObject *op) {
    PyObject *type, *value, *tb, *warnings, *fn, *res = NULL, *qualname;
    int warned = 0;
    PyErr_Fetch(&type, &value, &tb);
    /* Borrowed; absent only while the interpreter is torn down. */
    warnings = PyDict_GetItemString(PyImport_GetModuleDict(), "warnings");
    fn = warnings ? PyObject_GetAttrString(warnings, "_warn_unawaited_coroutine") : NULL;
    if (fn) {
        res = PyObject_CallFunctionObjArgs(fn, op, NULL);
        Py_DECREF(fn);
        if (res || PyErr_ExceptionMatches(PyExc_RuntimeWarning)) {
            warned = 1;
        }
        Py_XDECREF(res);
    }
    if (PyErr_Occurred()) {
        fastio_unraisable(op);
    }
    if (!warned) {
        qualname = PyObject_GetAttrString(op, "__qualname__");
        if (qualname == NULL || PyErr_WarnFormat(
                PyExc_RuntimeWarning, 1, "coroutine '%S' was never awaited", qualname) < 0) {
            fastio_unraisable(op);
        }
        Py_XDECREF(qualname);
    }
    PyErr_Restore(type, value, tb);
}

#endif
