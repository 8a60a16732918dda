# cython: language_level=3
"""
Compiled twin of the frame parsing and building kernel.

It behaves exactly like :mod:`websockets._pure.framing`, which documents the
contract: same frames, same exception types and messages, at the same points
of the stream. Only the speed differs:

* the parser reads headers with pointer arithmetic from a ``bytearray`` that
  it owns; it unmasks payloads while copying them into the ``bytes`` of the
  frame, so each payload byte is read once and written once;
* frames are built without running the dataclass ``__init__``: we allocate
  the instance and store the six fields straight into its slots;
* :func:`build_frame` allocates the final ``bytes`` and writes the header and
  the (masked) payload straight into it.

The buffer is a ``bytearray`` rather than raw memory because views returned
by :meth:`FrameParser.get_buffer` may outlive a reallocation: the old
``bytearray`` then stays alive as long as they do, which is memory-safe.

"""

from cpython.bytearray cimport (
    PyByteArray_AS_STRING,
    PyByteArray_CheckExact,
    PyByteArray_FromStringAndSize,
    PyByteArray_GET_SIZE,
)
from cpython.buffer cimport (
    PyBUF_SIMPLE,
    PyBuffer_Release,
    PyObject_CheckBuffer,
    PyObject_GetBuffer,
)
from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_AsUnsignedLongLong
from cpython.number cimport PyNumber_Index
from cpython.object cimport PyObject, PyObject_GenericSetAttr
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.string cimport memcpy, memmove

from _xor cimport ws_xor_fn_t, ws_xor_mask, ws_xor_share

import secrets as _secrets

from websockets._speedups import mask as _mask

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import OPCODES, Frame


__all__ = ["FrameParser", "FrameWriter", "build_frame", "MASK_POOL_SIZE"]


cdef extern from *:
    """
    #include "structmember.h"

    /* Allocate an instance of a regular class without calling __init__. */
    static PyObject *ws_framing_new_instance(PyObject *cls, PyObject *args) {
        return ((PyTypeObject *)cls)->tp_new((PyTypeObject *)cls, args, NULL);
    }

    /* Offsets of the six slots of Frame, in the order of its fields, or -1
       when Frame doesn't store them in plain object slots. */
    static Py_ssize_t ws_frame_offsets[6] = {-1, -1, -1, -1, -1, -1};

    static int ws_framing_find_slots(PyObject *cls, PyObject *names) {
        Py_ssize_t i, offsets[6];
        if (!PyTuple_Check(names) || PyTuple_GET_SIZE(names) != 6) return 0;
        for (i = 0; i < 6; i++) {
            PyObject *descr = PyObject_GetAttr(cls, PyTuple_GET_ITEM(names, i));
            PyMemberDef *member;
            if (descr == NULL) { PyErr_Clear(); return 0; }
            if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)) { Py_DECREF(descr); return 0; }
            member = ((PyMemberDescrObject *)descr)->d_member;
            if (member->type != T_OBJECT_EX || (member->flags & READONLY)
                    || member->offset <= 0) {
                Py_DECREF(descr);
                return 0;
            }
            offsets[i] = member->offset;
            Py_DECREF(descr);
        }
        for (i = 0; i < 6; i++) ws_frame_offsets[i] = offsets[i];
        return 1;
    }

    /* Fill the slots of a new instance: same object as calling the class,
       without binding the six arguments of the dataclass __init__. */
    static PyObject *ws_framing_new_frame(PyObject *cls, PyObject *opcode,
                                          PyObject *data, unsigned char head1) {
        PyObject *frame = ((PyTypeObject *)cls)->tp_alloc((PyTypeObject *)cls, 0);
        PyObject *values[6];
        int i;
        if (frame == NULL) return NULL;
        values[0] = opcode;
        values[1] = data;
        values[2] = (head1 & 0x80) ? Py_True : Py_False;
        values[3] = (head1 & 0x40) ? Py_True : Py_False;
        values[4] = (head1 & 0x20) ? Py_True : Py_False;
        values[5] = (head1 & 0x10) ? Py_True : Py_False;
        for (i = 0; i < 6; i++) {
            Py_INCREF(values[i]);
            *(PyObject **)((char *)frame + ws_frame_offsets[i]) = values[i];
        }
        return frame;
    }
    """
    object ws_framing_new_instance(object cls, object args)
    bint ws_framing_find_slots(object cls, object names) except -1
    object ws_framing_new_frame(
        object cls, object opcode, object data, unsigned char head1
    )


# Keep these values equal to the constants of websockets._pure.framing.
cdef enum:
    MIN_CAPACITY = 16384
    READ_SIZE = 16384
    SHRINK_THRESHOLD = 4 * 65536
    KEEP_CAPACITY = 0
    C_MASK_POOL_SIZE = 1024
    MAX_RESERVE = 16 * 1024 * 1024

MASK_POOL_SIZE = C_MASK_POOL_SIZE

cdef unsigned long long ULL_MAX = 0xFFFFFFFFFFFFFFFFULL
cdef object _ULL_MAX_OBJECT = 0xFFFFFFFFFFFFFFFF

# Run the XOR loop that the mask kernel selects: one choice for both.
ws_xor_share(<ws_xor_fn_t*>PyCapsule_GetPointer(
    _mask._XOR_DISPATCH, b"websockets._speedups.mask._XOR_DISPATCH"
))

cdef object _Frame = Frame
cdef object _ProtocolError = ProtocolError
cdef object _PayloadTooBig = PayloadTooBig
cdef tuple _EMPTY = ()

# Opcode members indexed by value, as borrowed references into OPCODES.
cdef tuple _OPCODES_TUPLE = tuple(OPCODES)
cdef PyObject* _OPCODES[16]
for _i in range(16):
    _OPCODES[_i] = <PyObject*>_OPCODES_TUPLE[_i]

cdef str _K_OPCODE = "opcode"
cdef str _K_DATA = "data"
cdef str _K_FIN = "fin"
cdef str _K_RSV1 = "rsv1"
cdef str _K_RSV2 = "rsv2"
cdef str _K_RSV3 = "rsv3"


# Frame is a slotted dataclass: filling its slots directly is the fastest way
# to build one. Fall back to the generic setter if its layout ever changes.
cdef bint _FRAME_SLOTS = ws_framing_find_slots(
    Frame, ("opcode", "data", "fin", "rsv1", "rsv2", "rsv3")
)
# For tests: the fallback works but is slower, so it must not go unnoticed.
_frame_slots_found = _FRAME_SLOTS


cdef inline object _new_frame(
    object opcode, object data, unsigned char head1
):
    """Build a Frame identical to ``Frame(opcode, data, fin, rsv1, rsv2, rsv3)``."""
    if _FRAME_SLOTS:
        return ws_framing_new_frame(_Frame, opcode, data, head1)
    cdef object frame = ws_framing_new_instance(_Frame, _EMPTY)
    PyObject_GenericSetAttr(frame, _K_OPCODE, opcode)
    PyObject_GenericSetAttr(frame, _K_DATA, data)
    PyObject_GenericSetAttr(frame, _K_FIN, True if head1 & 0x80 else False)
    PyObject_GenericSetAttr(frame, _K_RSV1, True if head1 & 0x40 else False)
    PyObject_GenericSetAttr(frame, _K_RSV2, True if head1 & 0x20 else False)
    PyObject_GenericSetAttr(frame, _K_RSV3, True if head1 & 0x10 else False)
    return frame


cdef inline Py_ssize_t _decode_length(
    const unsigned char* p, Py_ssize_t available, unsigned long long* length
) noexcept:
    """
    Decode the payload length of the frame at ``p``, with ``available >= 2``.

    Return the size of the header up to the length included and store the
    length, or return 0 if ``available`` bytes don't hold them yet. See
    :func:`websockets._pure.framing._decode_length`.

    """
    cdef int i
    length[0] = p[1] & 0x7F
    if length[0] < 126:
        return 2
    if length[0] == 126:
        if available < 4:
            return 0
        length[0] = (<unsigned long long>p[2] << 8) | p[3]
        return 4
    # RFC 6455 §5.2 says that the most significant bit MUST be 0. Like
    # websockets, we don't check it: such a length is just huge.
    if available < 10:
        return 0
    length[0] = 0
    for i in range(2, 10):
        length[0] = (length[0] << 8) | p[i]
    return 10


cdef object _invalid_opcode(int opcode):
    # The error for a reserved opcode, with the cause websockets gives it.
    exc = _ProtocolError("invalid opcode")
    exc.__cause__ = ValueError(f"{opcode} is not a valid Opcode")
    return exc


cdef object _index(object value, str name):
    try:
        return PyNumber_Index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None


cdef class FrameParser:
    """
    Parse WebSocket frames from a buffer that the parser owns.

    See :class:`websockets._pure.framing.FrameParser`.

    """

    cdef bytearray _buffer
    cdef Py_ssize_t _start
    cdef Py_ssize_t _end
    cdef bint _mask
    cdef bint _failed
    cdef object _max_size
    cdef bint _has_max_size
    cdef unsigned long long _max_length
    cdef int _allowed_rsv
    cdef unsigned char _head1
    cdef Py_ssize_t _consumed

    def __init__(self, *, mask, max_size=None, allowed_rsv=0):
        self._mask = True if mask else False
        self.max_size = max_size
        self.allowed_rsv = allowed_rsv
        self._failed = False
        self._buffer = bytearray()
        self._start = 0
        self._end = 0

    @property
    def max_size(self):
        """Maximum payload size of a frame in bytes, or :obj:`None`."""
        return self._max_size

    @max_size.setter
    def max_size(self, value):
        cdef int overflow = 0
        cdef long long length
        if value is None:
            self._max_size = None
            self._has_max_size = False
            return
        try:
            value = PyNumber_Index(value)
        except TypeError:
            raise TypeError(
                f"max_size must be an int or None, not {type(value).__name__}"
            ) from None
        length = PyLong_AsLongLongAndOverflow(value, &overflow)
        if overflow < 0 or (overflow == 0 and length < 0):
            raise ValueError("max_size must be >= 0")
        self._max_size = value
        self._has_max_size = True
        if overflow == 0:
            self._max_length = <unsigned long long>length
        elif value <= _ULL_MAX_OBJECT:
            # Between 2**63 and 2**64 - 1: still a limit for 64-bit lengths.
            self._max_length = PyLong_AsUnsignedLongLong(value)
        else:
            # Payload lengths fit in 64 bits: larger limits never trigger.
            self._max_length = ULL_MAX

    @property
    def allowed_rsv(self):
        """RSV bits that extensions allow: a combination of 0x40, 0x20, 0x10."""
        return self._allowed_rsv

    @allowed_rsv.setter
    def allowed_rsv(self, value):
        value = _index(value, "allowed_rsv")
        if value & ~0x70:
            raise ValueError("allowed_rsv must be a combination of 0x40, 0x20, 0x10")
        self._allowed_rsv = value

    @property
    def buffered(self):
        """Number of bytes received but not consumed yet."""
        return self._end - self._start

    @property
    def capacity(self):
        """Size of the internal buffer in bytes, for diagnostics and tests."""
        return PyByteArray_GET_SIZE(self._buffer)

    cdef int _reserve(self, Py_ssize_t size) except -1:
        """Make at least ``size`` bytes of free space after the buffered bytes."""
        cdef Py_ssize_t capacity = PyByteArray_GET_SIZE(self._buffer)
        cdef Py_ssize_t used, needed, new_capacity
        cdef bytearray buffer
        if capacity - self._end >= size:
            return 0
        used = self._end - self._start
        if size > (<Py_ssize_t>0x7FFFFFFFFFFFFFFF) - used:
            raise MemoryError()
        needed = used + size
        if needed <= capacity and not (
            capacity > SHRINK_THRESHOLD and needed <= (capacity >> 2)
        ):
            # Reuse the space of consumed frames.
            if used:
                memmove(
                    PyByteArray_AS_STRING(self._buffer),
                    PyByteArray_AS_STRING(self._buffer) + self._start,
                    used,
                )
        else:
            # Grow geometrically, or shrink when most of the buffer is unused.
            # As in the pure twin: exactly what's needed when nothing is
            # buffered.
            if used:
                new_capacity = needed if needed > MIN_CAPACITY else MIN_CAPACITY
            else:
                new_capacity = needed
            if needed > capacity and new_capacity < 2 * capacity:
                new_capacity = 2 * capacity
            buffer = PyByteArray_FromStringAndSize(NULL, new_capacity)
            if used:
                memcpy(
                    PyByteArray_AS_STRING(buffer),
                    PyByteArray_AS_STRING(self._buffer) + self._start,
                    used,
                )
            self._buffer = buffer
        self._start = 0
        self._end = used
        return 0

    cdef Py_ssize_t _pending(self):
        """Bytes that the partial frame at the front still needs, or 0."""
        cdef Py_ssize_t available = self._end - self._start
        cdef const unsigned char* p
        cdef unsigned long long length
        cdef Py_ssize_t header
        if available < 2:
            return 0
        p = <const unsigned char*>PyByteArray_AS_STRING(self._buffer) + self._start
        header = _decode_length(p, available, &length)
        if header == 0:
            return 0
        if p[1] & 0x80:
            header += 4
        # Saturate: the caller caps the reservation far below this.
        if length > <unsigned long long>0x3FFFFFFFFFFFFFFF:
            return 0x3FFFFFFFFFFFFFFF
        if <Py_ssize_t>length + header <= available:
            return 0
        return <Py_ssize_t>length + header - available

    def feed(self, data):
        """
        Append a copy of ``data`` to the buffered bytes.

        Raises:
            TypeError: If ``data`` isn't a bytes-like object.

        """
        cdef Py_buffer view
        cdef const char* source
        cdef Py_ssize_t size
        if PyBytes_CheckExact(data):
            source = PyBytes_AS_STRING(data)
            size = PyBytes_GET_SIZE(data)
        elif PyByteArray_CheckExact(data):
            source = PyByteArray_AS_STRING(data)
            size = PyByteArray_GET_SIZE(data)
        else:
            if not PyObject_CheckBuffer(data):
                raise TypeError(
                    f"data must be a bytes-like object, not {type(data).__name__}"
                )
            try:
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            except BufferError:
                # Non-contiguous views can't export a simple buffer.
                data = memoryview(data).tobytes()
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            try:
                self._reserve(view.len)
                memcpy(
                    PyByteArray_AS_STRING(self._buffer) + self._end,
                    view.buf,
                    view.len,
                )
                self._end += view.len
            finally:
                PyBuffer_Release(&view)
            return
        self._reserve(size)
        memcpy(PyByteArray_AS_STRING(self._buffer) + self._end, source, size)
        self._end += size

    def get_buffer(self, sizehint):
        """
        Return a writable view of free space after the buffered bytes.

        See :meth:`websockets._pure.framing.FrameParser.get_buffer`.

        """
        cdef Py_ssize_t size
        cdef Py_ssize_t pending
        # The hint is validated but not followed; see the pure twin for why.
        PyNumber_Index(sizehint)
        size = READ_SIZE
        pending = self._pending()
        if pending > size:
            size = pending if pending < MAX_RESERVE else MAX_RESERVE
        self._reserve(size)
        return memoryview(self._buffer)[self._end:]

    def buffer_updated(self, nbytes):
        """
        Account for ``nbytes`` written at the start of the last view returned
        by :meth:`get_buffer`.

        Raises:
            ValueError: If ``nbytes`` is negative or exceeds the free space.

        """
        nbytes = PyNumber_Index(nbytes)
        if nbytes < 0 or nbytes > PyByteArray_GET_SIZE(self._buffer) - self._end:
            raise ValueError("nbytes out of range")
        self._end += <Py_ssize_t>nbytes

    def take_buffer(self):
        """Remove and return all the bytes that weren't consumed."""
        data = PyBytes_FromStringAndSize(
            PyByteArray_AS_STRING(self._buffer) + self._start, self._end - self._start
        )
        self._start = self._end = 0
        if PyByteArray_GET_SIZE(self._buffer) > KEEP_CAPACITY:
            self._buffer = bytearray()
        return data

    cdef int _fail(self, object exc) except -1:
        self._failed = True
        raise exc

    cdef object _parse(self, const unsigned char* p, Py_ssize_t available):
        """
        Parse the frame at ``p``, if ``available`` bytes hold all of it.

        On success, set ``_consumed`` to its size and ``_head1`` to its first
        byte. Raise as :meth:`next_frame` for a frame that breaks a rule.

        """
        cdef unsigned char head1, head2
        cdef unsigned long long length
        cdef Py_ssize_t header
        cdef PyObject* opcode
        cdef object data

        # RFC 6455 §5.2: base framing protocol.
        if available < 2:
            return None
        head1 = p[0]
        head2 = p[1]

        opcode = _OPCODES[head1 & 0x0F]
        if opcode == <PyObject*>None:
            self._fail(_invalid_opcode(head1 & 0x0F))
        # RFC 6455 §5.1: a server MUST close the connection upon receiving an
        # unmasked frame; a client, upon receiving a masked frame.
        if (head2 >> 7) != self._mask:
            self._fail(_ProtocolError("incorrect masking"))

        header = _decode_length(p, available, &length)
        if header == 0:
            return None

        # Same order as the pure twin (and websockets): size, RSV bits, then
        # the rules for control frames.
        if self._has_max_size and length > self._max_length:
            self._fail(_PayloadTooBig(length, self._max_size))
        # RFC 6455 §5.2: RSV bits MUST be 0 unless an extension defines them.
        if head1 & 0x70 & ~self._allowed_rsv:
            self._fail(_ProtocolError("reserved bits must be 0"))
        if head1 & 0x08:
            # RFC 6455 §5.5: control frames MUST have a payload length of 125
            # bytes or less and MUST NOT be fragmented.
            if length > 125:
                self._fail(_ProtocolError("control frame too long"))
            if not head1 & 0x80:
                self._fail(_ProtocolError("fragmented control frame"))

        if self._mask:
            header += 4
        if available < header or <unsigned long long>(available - header) < length:
            return None

        if self._mask:
            data = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>length)
            # RFC 6455 §5.3: unmask while copying, in a single pass.
            ws_xor_mask(
                <unsigned char*>PyBytes_AS_STRING(data),
                p + header,
                <Py_ssize_t>length,
                p + header - 4,
                0,
            )
        else:
            data = PyBytes_FromStringAndSize(
                <const char*>p + header, <Py_ssize_t>length
            )

        self._consumed = header + <Py_ssize_t>length
        self._head1 = head1
        return _new_frame(<object>opcode, data, head1)

    cdef object _next_frame(self):
        cdef Py_ssize_t start = self._start
        cdef object frame
        if self._failed:
            raise _ProtocolError("parser failed")
        frame = self._parse(
            <const unsigned char*>PyByteArray_AS_STRING(self._buffer) + start,
            self._end - start,
        )
        if frame is None:
            return None
        start += self._consumed
        if start == self._end:
            self._start = self._end = 0
            # Idle connections hold no buffer: with thousands of them, 16 KiB
            # each adds up, while allocating uninitialized memory is cheap.
            if PyByteArray_GET_SIZE(self._buffer) > KEEP_CAPACITY:
                self._buffer = bytearray()
        else:
            self._start = start
        return frame

    def next_frame(self):
        """
        Parse the next frame, if it's entirely buffered.

        See :meth:`websockets._pure.framing.FrameParser.next_frame`.

        """
        return self._next_frame()

    cdef int _append(self, const unsigned char* source, Py_ssize_t size) except -1:
        if size:
            self._reserve(size)
            memcpy(PyByteArray_AS_STRING(self._buffer) + self._end, source, size)
            self._end += size
        return 0

    def receive(self, data, list events, object validate_text):
        """
        Feed ``data`` then parse buffered frames into ``events``.

        See :meth:`websockets._pure.framing.FrameParser.receive`.

        """
        cdef const unsigned char* p
        cdef Py_ssize_t size, pos = 0
        cdef object frame
        cdef unsigned char head1
        if (
            self._start != self._end
            or self._failed
            or not PyBytes_CheckExact(data)
        ):
            self.feed(data)
            return self.parse_into(events, validate_text)
        # Nothing is buffered: parse straight from data, and copy only what
        # remains, typically nothing.
        p = <const unsigned char*>PyBytes_AS_STRING(data)
        size = PyBytes_GET_SIZE(data)
        while pos < size:
            try:
                frame = self._parse(p + pos, size - pos)
            except BaseException:
                # As in next_frame(): the offending frame stays buffered.
                self._append(p + pos, size - pos)
                raise
            if frame is None:
                self._append(p + pos, size - pos)
                return None
            pos += self._consumed
            head1 = self._head1
            # FIN set, no RSV bit, and TEXT or BINARY: see parse_into().
            if head1 == 0x82:
                events.append(frame)
            elif head1 == 0x81:
                try:
                    validate_text((<object>frame).data)
                except BaseException:
                    self._append(p + pos, size - pos)
                    raise
                events.append(frame)
            else:
                self._append(p + pos, size - pos)
                return frame
        return None

    def parse_into(self, list events, object validate_text):
        """
        Parse buffered frames, appending whole messages to ``events``.

        See :meth:`websockets._pure.framing.FrameParser.parse_into`.

        """
        cdef object frame
        cdef unsigned char head1
        while True:
            frame = self._next_frame()
            if frame is None:
                return None
            head1 = self._head1
            # FIN set, no RSV bit, and TEXT or BINARY.
            if head1 == 0x82:
                events.append(frame)
            elif head1 == 0x81:
                validate_text(frame.data)
                events.append(frame)
            else:
                return frame

    def frames(self):
        """
        Parse all the frames that are entirely buffered.

        See :meth:`websockets._pure.framing.FrameParser.frames`.

        """
        cdef list frames = []
        while True:
            try:
                frame = self._next_frame()
            except (_ProtocolError, _PayloadTooBig):
                if not frames:
                    raise
                # Report the error on the next call, after the caller has
                # processed the valid frames.
                self._failed = False
                return frames
            if frame is None:
                return frames
            frames.append(frame)


# build_frame() and FrameWriter.write() check their arguments with the three
# helpers below, called in the order of the pure twin's checks: opcode, rsv,
# data, then mask_key. Each check is written once.


cdef unsigned char _check_header(object opcode, object rsv) except? 0:
    """Validate ``opcode`` then ``rsv``; return the first byte without FIN."""
    cdef int overflow = 0
    cdef long long op, bits
    op = PyLong_AsLongLongAndOverflow(_index(opcode, "opcode"), &overflow)
    if overflow or not 0 <= op <= 15:
        raise ValueError("opcode must be between 0 and 15")
    bits = PyLong_AsLongLongAndOverflow(_index(rsv, "rsv"), &overflow)
    if overflow or bits & ~0x70:
        raise ValueError("rsv must be a combination of 0x40, 0x20, 0x10")
    return <unsigned char>bits | <unsigned char>op


cdef int _get_data(object data, Py_buffer* view) except -1:
    """Fill ``view`` with the payload's bytes; release it after use."""
    if not PyObject_CheckBuffer(data):
        raise TypeError(f"data must be a bytes-like object, not {type(data).__name__}")
    try:
        PyObject_GetBuffer(data, view, PyBUF_SIMPLE)
    except BufferError:
        # Non-contiguous views can't export a simple buffer; view.obj keeps
        # the copy alive.
        PyObject_GetBuffer(memoryview(data).tobytes(), view, PyBUF_SIMPLE)
    return 0


cdef int _get_mask_key(object mask_key, unsigned char* key) except -1:
    """Copy the 4 bytes of ``mask_key`` to ``key``."""
    cdef Py_buffer view
    if PyBytes_CheckExact(mask_key) and PyBytes_GET_SIZE(mask_key) == 4:
        memcpy(key, PyBytes_AS_STRING(mask_key), 4)
        return 0
    if not PyObject_CheckBuffer(mask_key):
        raise TypeError(
            f"mask_key must be a bytes-like object or None, "
            f"not {type(mask_key).__name__}"
        )
    try:
        PyObject_GetBuffer(mask_key, &view, PyBUF_SIMPLE)
    except BufferError:
        PyObject_GetBuffer(memoryview(mask_key).tobytes(), &view, PyBUF_SIMPLE)
    try:
        if view.len != 4:
            raise ValueError("mask_key must be 4 bytes long")
        memcpy(key, view.buf, 4)
    finally:
        PyBuffer_Release(&view)
    return 0


cdef bytes _serialize(unsigned char head1, object fin, Py_buffer* data,
                      const unsigned char* mask):
    """Serialize a frame; ``mask`` is NULL or points to a 4-byte key."""
    cdef Py_ssize_t length = data.len, header, i
    cdef unsigned char* out
    # RFC 6455 §5.2: the payload length uses the minimal number of bytes.
    if length < 126:
        header = 2
    elif length < 65536:
        header = 4
    else:
        header = 10
    if mask != NULL:
        header += 4
    frame = PyBytes_FromStringAndSize(NULL, header + length)
    out = <unsigned char*>PyBytes_AS_STRING(frame)
    out[0] = (0x80 if fin else 0) | head1
    if length < 126:
        out[1] = <unsigned char>length
    elif length < 65536:
        out[1] = 126
        out[2] = <unsigned char>(length >> 8)
        out[3] = <unsigned char>length
    else:
        out[1] = 127
        for i in range(8):
            out[2 + i] = <unsigned char>((<unsigned long long>length) >> (56 - 8 * i))
    if mask != NULL:
        out[1] |= 0x80
        # RFC 6455 §5.3: the masking key follows the length.
        memcpy(out + header - 4, mask, 4)
        ws_xor_mask(out + header, <const unsigned char*>data.buf, length, mask, 0)
    else:
        memcpy(out + header, data.buf, length)
    return frame


def build_frame(opcode, data, fin, rsv, mask_key):
    """
    Serialize a WebSocket frame.

    See :func:`websockets._pure.framing.build_frame`.

    """
    cdef unsigned char head1 = _check_header(opcode, rsv)
    cdef unsigned char key[4]
    cdef Py_buffer view
    _get_data(data, &view)
    try:
        if mask_key is None:
            return _serialize(head1, fin, &view, NULL)
        _get_mask_key(mask_key, key)
        return _serialize(head1, fin, &view, key)
    finally:
        PyBuffer_Release(&view)


cdef class FrameWriter:
    """
    Serialize the outgoing frames of one connection.

    See :class:`websockets._pure.framing.FrameWriter`.

    """

    cdef bint _mask
    cdef bytes _pool
    cdef Py_ssize_t _pos

    def __init__(self, *, mask):
        self._mask = True if mask else False
        self._pool = b""
        self._pos = 0

    def write(self, opcode, data, fin, rsv):
        """
        Serialize a frame, masked with a fresh key if the writer masks.

        See :meth:`websockets._pure.framing.FrameWriter.write`.

        """
        cdef Py_ssize_t pos
        cdef bytes pool
        cdef const unsigned char* key = NULL
        cdef unsigned char head1
        cdef Py_buffer view
        if self._mask:
            # Like the pure twin, draw the key before checking the arguments.
            pos = self._pos
            if pos + 4 > PyBytes_GET_SIZE(self._pool):
                # Look secrets.token_bytes up at call time, so tests can
                # patch it.
                self._pool = _draw_pool()
                pos = 0
            self._pos = pos + 4
            # The local reference keeps the key alive even if the checks
            # below run code that writes another frame and refills the pool.
            pool = self._pool
            key = <const unsigned char*>PyBytes_AS_STRING(pool) + pos
        head1 = _check_header(opcode, rsv)
        _get_data(data, &view)
        try:
            return _serialize(head1, fin, &view, key)
        finally:
            PyBuffer_Release(&view)


cdef bytes _draw_pool():
    pool = _secrets.token_bytes(C_MASK_POOL_SIZE)
    if not PyBytes_CheckExact(pool):
        pool = bytes(pool)
    if PyBytes_GET_SIZE(pool) < 4:
        raise ValueError("secrets.token_bytes returned fewer than 4 bytes")
    return pool
