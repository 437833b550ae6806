/* Whether a memoryview was released (receiving.pxi). */
#ifndef FASTIO_MEMORYVIEW_H
#define FASTIO_MEMORYVIEW_H

/* A memoryview whose release() was called: its buffer may be gone. */
static int fastio_view_released(PyObject *view) {
    return (((PyMemoryViewObject *)view)->flags & _Py_MEMORYVIEW_RELEASED) != 0;
}

#endif
