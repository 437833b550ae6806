/* Whether an object's method is its type's own, found the way a call
   finds it (transports.pxi, writer.pxi). */
#ifndef FASTIO_METHOD_LOOKUP_H
#define FASTIO_METHOD_LOOKUP_H

#if PY_VERSION_HEX >= 0x030D0000
/* Exported still, its declaration moved to the internal headers. */
PyAPI_FUNC(int) _PyObject_GetMethod(PyObject *obj, PyObject *name, PyObject **method);
#endif

/* obj.name is the function its type defines, not something set on the
   instance: CPython's own method lookup (what a call obj.name() does),
   which reads the instance's attributes without making a dict of them.
   Looking at obj.__dict__ would: from 3.11 on that makes every later
   attribute access on the object slower (measured: a transport's and a
   protocol's, 3,200 instructions more per request/response). */
static int fastio_keeps_method(PyObject *obj, PyObject *name) {
    PyObject *method = NULL;
    int found = _PyObject_GetMethod(obj, name, &method);
    Py_XDECREF(method);
    if (method == NULL) {
        /* Neither defines it: nothing set on the instance either. */
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return -1;
        }
        PyErr_Clear();
        return 1;
    }
    return found;
}

/* obj has no attributes of its own: its type gives instances no dict, or
   a dict slot of their own (not a managed dict) that is still empty.  0
   also when that cannot be told without a lookup. */
static int fastio_no_instance_attributes(PyObject *obj) {
    PyTypeObject *tp = Py_TYPE(obj);
    PyObject *dict;
    if (tp->tp_dictoffset == 0) {
        return 1;
    }
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        return 0;
    }
#endif
    if (tp->tp_dictoffset < 0) {
        return 0;
    }
    dict = *(PyObject **)((char *)obj + tp->tp_dictoffset);
    return dict == NULL || (PyDict_CheckExact(dict) && PyDict_GET_SIZE(dict) == 0);
}

#endif
