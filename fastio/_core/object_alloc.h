/* Allocation through object.__new__ for fastio's Python-level classes, so
   that their instances get what CPython's own instances of a Python class
   get.  On 3.11 and 3.12 only object_new() gives a new object its inline
   attribute values; Cython's tp_new allocates with tp_alloc alone, so the
   first attribute asyncio's code sets on the instance (StreamWriter's
   _complete_fut) makes a dict, and 3.11's STORE_ATTR cannot specialise.
   From 3.13 tp_alloc does it itself; elsewhere this changes nothing. */
#ifndef FASTIO_OBJECT_ALLOC_H
#define FASTIO_OBJECT_ALLOC_H

#if !defined(PYPY_VERSION) && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#define FASTIO_ALLOC_THROUGH_OBJECT_NEW 1
/* object_new() calls the type's tp_alloc, this function: set while it
   does, so that call allocates. */
static int fastio_in_object_new = 0;

static PyObject *fastio_alloc_as_object(PyTypeObject *type, Py_ssize_t nitems)
{
    PyObject *args, *obj;
    if (fastio_in_object_new || nitems != 0)
        return PyType_GenericAlloc(type, nitems);
    args = PyTuple_New(0);  /* the empty tuple, shared */
    if (args == NULL)
        return NULL;
    fastio_in_object_new = 1;
    obj = PyBaseObject_Type.tp_new(type, args, NULL);
    fastio_in_object_new = 0;
    Py_DECREF(args);
    return obj;
}
#else
#define FASTIO_ALLOC_THROUGH_OBJECT_NEW 0
#endif

/* Make `type`, a Python subclass of one of fastio's compiled classes,
   allocate as above (subclasses of it get tp_alloc anew from type_new). */
static int fastio_allocate_as_object(PyObject *type)
{
#if FASTIO_ALLOC_THROUGH_OBJECT_NEW
    if (((PyTypeObject *)type)->tp_alloc == PyType_GenericAlloc)
        ((PyTypeObject *)type)->tp_alloc = fastio_alloc_as_object;
#else
    (void)type;
#endif
    return 0;
}

#endif
