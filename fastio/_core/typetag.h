/* A type's version tag, which proves a class is the one fastio learnt
   (_buffer.pyx's type_unchanged(), transports.pxi). */
#ifndef FASTIO_TYPETAG_H
#define FASTIO_TYPETAG_H

/* The type has a valid version tag: up to 3.12 CPython says so with a
   flag; from 3.13 on a tag is valid whenever it is not 0. */
#if PY_VERSION_HEX >= 0x030D0000
#define fastio_valid_tag(tp) (((PyTypeObject *)(tp))->tp_version_tag != 0)
#else
#define fastio_valid_tag(tp) \
    ((((PyTypeObject *)(tp))->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) \
     && ((PyTypeObject *)(tp))->tp_version_tag != 0)
#endif

/* Before 3.10 no heap type is marked immutable: none is taken for one. */
#ifndef Py_TPFLAGS_IMMUTABLETYPE
#define Py_TPFLAGS_IMMUTABLETYPE 0
#endif

#endif
