/* Cython's coroutine, coroutine-await and function objects are instances of
   heap types it creates at import (shared between the modules built with
   the same Cython).  PyObject_GC_New() takes a reference to a heap type for
   each instance, and the type's tp_dealloc must give it back; built without
   CYTHON_USE_TYPE_SPECS (the default on CPython) Cython 3.3.1 and 3.3.2 free
   the instance without doing so, so every coroutine fastio's slow paths run
   leaked a reference to the coroutine type (regrtest -R counts each one).
   Included after Cython's own definition of the macro and before the
   deallocators that use it; every object freed through it was allocated
   with PyObject_GC_New() from such a type, whichever build made the type. */
/* Only for the Cython versions seen to leak (pyproject.toml pins one): a
   Cython that gives the reference back itself would, with this, give it
   back twice and free the type under its live instances.  Another version
   keeps Cython's own definition: at worst a leak, never a crash. */
#if !CYTHON_USE_TYPE_SPECS && CYTHON_HEX_VERSION >= 0x030301F0 && CYTHON_HEX_VERSION <= 0x030302F0
#undef __Pyx_PyHeapTypeObject_GC_Del
#define __Pyx_PyHeapTypeObject_GC_Del(obj) { \
    PyTypeObject *fastio_freed_type = Py_TYPE((PyObject *)(obj)); \
    assert(PyType_HasFeature(fastio_freed_type, Py_TPFLAGS_HEAPTYPE)); \
    PyObject_GC_Del(obj); \
    Py_DECREF(fastio_freed_type); \
}
#endif
