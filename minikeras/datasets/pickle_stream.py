"""Read the numbers, strings and numpy arrays out of a Python pickle stream, running no code.

Some Keras dataset files are pickles: the CIFAR batches (Python 2 ``cPickle`` dicts) and
the ragged ``dtype=object`` arrays inside ``imdb.npz`` and ``reuters.npz``. Unpickling
runs whatever the stream names, so minikeras never uses the ``pickle`` module (files hold
data, never code). This module interprets the opcodes itself and knows only data: None,
booleans, numbers, bytes, strings, tuples, lists, dicts, and the four globals numpy writes
for an array (its ``_reconstruct``, ``ndarray``, ``dtype`` and ``_frombuffer``, and
``_codecs.encode`` for Python 3 bytes at protocol 2), which it rebuilds with its own code. Any other opcode or
global is refused with a ``ValueError``.

Python 2 ``str`` values (the CIFAR keys and pixel data) come back as ``bytes``, as with
``pickle.load(f, encoding="bytes")``.
"""
import struct

import numpy as np

_ARRAY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("_codecs", "encode"): "encode",
}


class _Global:
    """A whitelisted global, called later by REDUCE."""

    def __init__(self, kind):
        self.kind = kind


class _Pending:
    """An array or dtype made by REDUCE, waiting for BUILD (numpy's ``__setstate__``)."""

    def __init__(self, kind, args):
        self.kind, self.args = kind, args

    def build(self, state):
        """The finished dtype or array, from numpy's state tuple."""
        if self.kind == "dtype":
            dtype = np.dtype(self.args[0])
            byte_order = _text(state[1])
            return dtype.newbyteorder(byte_order) if byte_order in "<>" else dtype
        return _array_from_state(state)


def _text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _array_from_state(state):
    """numpy's ndarray state ``(version, shape, dtype, is_fortran, data)`` -> array."""
    _, shape, dtype, is_fortran, data = state
    order = "F" if is_fortran else "C"
    if dtype == object:
        array = np.empty(len(data), dtype=object)
        for i, item in enumerate(data):  # item by item: equal-length lists must stay lists
            array[i] = item
        return array.reshape(tuple(shape), order=order)
    if isinstance(data, str):  # Python 2 str read as text
        data = data.encode("latin-1")
    return np.frombuffer(data, dtype=dtype).reshape(tuple(shape), order=order).copy()


def _reduce(func, args):
    if not isinstance(func, _Global):
        raise ValueError("pickle stream calls something that is not a numpy array global")
    if func.kind == "encode":  # Python 3 bytes written at protocol 2
        text, encoding = args
        return text.encode(encoding)
    if func.kind == "frombuffer":  # numpy's protocol-5 form
        data, dtype, shape, order = args
        return np.frombuffer(data, dtype=dtype).reshape(shape, order=_text(order)).copy()
    if func.kind in ("reconstruct", "dtype"):
        return _Pending("array" if func.kind == "reconstruct" else "dtype", args)
    raise ValueError(f"pickle stream calls numpy.{func.kind}, which holds no data")


class _Reader:
    """A stack machine over the pickle opcodes that carry data."""

    def __init__(self, data):
        self.data, self.pos = bytes(data), 0
        self.stack, self.marks, self.memo = [], [], {}
        self.unbuilt = 0  # arrays and dtypes made by REDUCE and not yet given their state

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("pickle stream is truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise ValueError("pickle stream is truncated")
        text = self.data[self.pos:end]
        self.pos = end + 1
        return text

    def unsigned(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def pop_mark(self):
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def run(self):
        data, stack = self.data, self.stack
        push = stack.append
        while True:
            pos = self.pos
            if pos >= len(data):
                raise ValueError("pickle stream is truncated")
            op = data[pos]
            # ints inline, on local variables: a ragged imdb array is millions of them
            if op == 0x4B:  # BININT1
                push(data[pos + 1])
                self.pos = pos + 2
            elif op == 0x4D:  # BININT2
                push(data[pos + 1] | data[pos + 2] << 8)
                self.pos = pos + 3
            elif op == 0x4A:  # BININT
                push(int.from_bytes(data[pos + 1:pos + 5], "little", signed=True))
                self.pos = pos + 5
            elif op == 0x2E:  # STOP
                if self.unbuilt:
                    raise ValueError("pickle stream leaves a numpy array without its data")
                return stack.pop()
            else:
                self.pos = pos + 1
                handler = _OPS.get(bytes((op,)))
                if handler is None:
                    raise ValueError(f"pickle opcode {bytes((op,))!r} at byte {pos} is not a "
                                     f"data opcode; minikeras reads only plain data and numpy "
                                     f"arrays")
                handler(self)


def _op_global(reader, module, name):
    key = (_text(module), _text(name))
    if key not in _ARRAY_GLOBALS:
        raise ValueError(f"pickle stream names {key[0]}.{key[1]}; minikeras reads only plain "
                         f"data and numpy arrays, never code")
    reader.stack.append(_Global(_ARRAY_GLOBALS[key]))


def _op_stack_global(reader):
    name, module = reader.stack.pop(), reader.stack.pop()
    _op_global(reader, module, name)


def _op_reduce(reader):
    args, func = reader.stack.pop(), reader.stack.pop()
    value = _reduce(func, args)
    reader.unbuilt += isinstance(value, _Pending)
    reader.stack.append(value)


def _op_build(reader):
    state = reader.stack.pop()
    pending = reader.stack[-1]
    if not isinstance(pending, _Pending):
        raise ValueError("pickle stream sets the state of something that is not a numpy array")
    value = pending.build(state)
    reader.unbuilt -= 1
    reader.stack[-1] = value
    for key, held in reader.memo.items():  # the memo may hold it from before BUILD
        if held is pending:
            reader.memo[key] = value


def _op_setitems(reader):
    items = reader.pop_mark()
    reader.stack[-1].update(zip(items[::2], items[1::2]))


def _op_int_text(reader):
    text = reader.line()  # protocol 0 writes booleans as INT 00 / 01
    reader.stack.append({b"00": False, b"01": True}[text] if text in (b"00", b"01")
                        else int(text))


def _op_appends(reader):
    items = reader.pop_mark()
    reader.stack[-1].extend(items)


def _op_setitem(reader):
    value, key = reader.stack.pop(), reader.stack.pop()
    reader.stack[-1][key] = value


def _op_tuple(size):
    def op(reader):
        items = tuple(reader.stack[len(reader.stack) - size:])
        del reader.stack[len(reader.stack) - size:]
        reader.stack.append(items)
    return op


def _op_string_text(reader):
    text = reader.line().strip()
    reader.stack.append(text[1:-1].decode("unicode_escape").encode("latin-1"))


def _long(raw):
    return int.from_bytes(raw, "little", signed=True)


def _put(reader, index):
    reader.memo[index] = reader.stack[-1]


_OPS = {
    b"\x80": lambda r: r.take(1),                                    # PROTO
    b"\x95": lambda r: r.take(8),                                    # FRAME
    b"(": lambda r: r.marks.append(len(r.stack)),                    # MARK
    b"}": lambda r: r.stack.append({}),                              # EMPTY_DICT
    b"]": lambda r: r.stack.append([]),                              # EMPTY_LIST
    b")": lambda r: r.stack.append(()),                              # EMPTY_TUPLE
    b"t": lambda r: r.stack.append(tuple(r.pop_mark())),             # TUPLE
    b"\x85": _op_tuple(1),                                           # TUPLE1
    b"\x86": _op_tuple(2),                                           # TUPLE2
    b"\x87": _op_tuple(3),                                           # TUPLE3
    b"l": lambda r: r.stack.append(r.pop_mark()),                    # LIST
    b"d": lambda r: r.stack.append(dict(zip(*[iter(r.pop_mark())] * 2))),  # DICT
    b"a": lambda r: r.stack[-2].append(r.stack.pop()),               # APPEND
    b"e": _op_appends,                                               # APPENDS
    b"s": _op_setitem,                                               # SETITEM
    b"u": _op_setitems,                                              # SETITEMS
    b"N": lambda r: r.stack.append(None),                            # NONE
    b"\x88": lambda r: r.stack.append(True),                         # NEWTRUE
    b"\x89": lambda r: r.stack.append(False),                        # NEWFALSE
    b"I": _op_int_text,                                              # INT
    b"L": lambda r: r.stack.append(int(r.line().rstrip(b"L"))),      # LONG
    b"\x8a": lambda r: r.stack.append(_long(r.take(r.take(1)[0]))),  # LONG1
    b"\x8b": lambda r: r.stack.append(_long(r.take(r.unsigned("<i")))),  # LONG4
    b"G": lambda r: r.stack.append(r.unsigned(">d")),                # BINFLOAT
    b"F": lambda r: r.stack.append(float(r.line())),                 # FLOAT
    b"U": lambda r: r.stack.append(bytes(r.take(r.take(1)[0]))),     # SHORT_BINSTRING
    b"T": lambda r: r.stack.append(bytes(r.take(r.unsigned("<i")))),  # BINSTRING
    b"S": _op_string_text,                                           # STRING
    b"C": lambda r: r.stack.append(bytes(r.take(r.take(1)[0]))),     # SHORT_BINBYTES
    b"B": lambda r: r.stack.append(bytes(r.take(r.unsigned("<I")))),  # BINBYTES
    b"\x8e": lambda r: r.stack.append(bytes(r.take(r.unsigned("<Q")))),  # BINBYTES8
    b"\x96": lambda r: r.stack.append(bytes(r.take(r.unsigned("<Q")))),  # BYTEARRAY8
    b"\x8c": lambda r: r.stack.append(str(r.take(r.take(1)[0]), "utf-8")),  # SHORT_BINUNICODE
    b"X": lambda r: r.stack.append(str(r.take(r.unsigned("<I")), "utf-8")),  # BINUNICODE
    b"\x8d": lambda r: r.stack.append(str(r.take(r.unsigned("<Q")), "utf-8")),  # BINUNICODE8
    b"V": lambda r: r.stack.append(r.line().decode("raw_unicode_escape")),  # UNICODE
    b"p": lambda r: _put(r, int(r.line())),                          # PUT
    b"q": lambda r: _put(r, r.take(1)[0]),                           # BINPUT
    b"r": lambda r: _put(r, r.unsigned("<I")),                       # LONG_BINPUT
    b"\x94": lambda r: _put(r, len(r.memo)),                         # MEMOIZE
    b"g": lambda r: r.stack.append(r.memo[int(r.line())]),           # GET
    b"h": lambda r: r.stack.append(r.memo[r.take(1)[0]]),            # BINGET
    b"j": lambda r: r.stack.append(r.memo[r.unsigned("<I")]),        # LONG_BINGET
    b"c": lambda r: _op_global(r, r.line(), r.line()),               # GLOBAL
    b"\x93": _op_stack_global,                                       # STACK_GLOBAL
    b"R": _op_reduce,                                                # REDUCE
    b"b": _op_build,                                                 # BUILD
    b"0": lambda r: r.stack.pop(),                                   # POP
    b"1": lambda r: r.pop_mark(),                                    # POP_MARK
    b"2": lambda r: r.stack.append(r.stack[-1]),                     # DUP
}


def load(data):
    """Return the value a pickle stream holds, if it is made of plain data and arrays.

    Args:
        data: The whole stream, as ``bytes``.

    Returns:
        The value: nested dicts, lists, tuples, numbers, ``bytes``, ``str`` and numpy
        arrays (object arrays of such values included).

    Raises:
        ValueError: the stream is truncated, or uses an opcode or global that is not
            plain data (a class, a function call, an extension), named in the message.
    """
    try:
        return _Reader(data).run()
    except (IndexError, KeyError, struct.error, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"malformed pickle stream ({type(exc).__name__}: {exc})") from exc
