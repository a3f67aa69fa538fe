"""Peer for MAT-file edge cases (issue #19): scipy.io's own test files and its verdict on damaged bytes.
  mat_cases.py datadir            -> the folder of scipy's MAT test files (scipy/io/matlab/tests/data)
  mat_cases.py read FILE          -> JSON of FILE's variables as scipy.io.loadmat sees them (MATLAB classes, chars as char arrays,
                                     column-major values, dtype names without byte order), or {"error": "..."}
  mat_cases.py readmany FILE...   -> {FILE: the same} for several files at once
  mat_cases.py cuts FILE          -> JSON {cut: true|false} for every prefix length 0..len(FILE): whether scipy reads it
  mat_cases.py write4 FILE        -> FILE written by scipy.io.savemat(format='4'): numbers, complex, text with latin-1
  mat_cases.py readtext FILE NAME -> the text of char variable NAME as scipy.io.loadmat reads it (JSON string)"""
import io
import json
import sys

import numpy as np
import scipy.io


def plain(value, typed=None):
    """`value` as stored (complex parts kept); `typed` the same variable read with mat_dtype=True, for its MATLAB class
    (scipy drops imaginary parts when it converts to the MATLAB class, so values come from `value`)."""
    typed = value if typed is None else typed
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return {"kind": "char", "dims": list(value.shape), "text": "".join(value.flatten(order="F"))}
    if isinstance(value, np.ndarray) and value.dtype == object:
        return {"kind": "cell", "dims": list(value.shape),
                "values": [plain(x, y) for x, y in zip(value.flatten(order="F"), typed.flatten(order="F"))]}
    if isinstance(value, np.ndarray) and value.dtype.names:
        return {"kind": "struct", "dims": list(value.shape),
                "fields": {name: [plain(x, y) for x, y in zip(value[name].flatten(order="F"), typed[name].flatten(order="F"))]
                           for name in value.dtype.names}}
    array = np.atleast_2d(np.asarray(value))
    matlab = np.atleast_2d(np.asarray(typed))
    if array.dtype == bool:
        array = array.astype(np.uint8)
    if matlab.dtype == bool:  # a MATLAB logical: scipy's stored form is uint8
        matlab = matlab.astype(np.uint8)
    flat = array.flatten(order="F")
    if np.iscomplexobj(array):
        return {"kind": "complex", "dims": list(array.shape), "real": [float(x.real) for x in flat],
                "imag": [float(x.imag) for x in flat]}
    return {"kind": "numeric", "class": matlab.dtype.name, "dims": list(array.shape), "values": [float(x) for x in flat]}


command = sys.argv[1]
if command == "datadir":
    import os
    import scipy.io.matlab.tests
    print(os.path.join(os.path.dirname(scipy.io.matlab.tests.__file__), "data"))
elif command in ("read", "readmany"):
    def read(path):
        try:
            stored = scipy.io.loadmat(path, chars_as_strings=False, squeeze_me=False)
            typed = scipy.io.loadmat(path, chars_as_strings=False, squeeze_me=False, mat_dtype=True)
            return {name: plain(value, typed[name]) for name, value in stored.items() if not name.startswith("__")}
        except Exception as error:  # noqa: BLE001 — the verdict is the point
            return {"error": f"{type(error).__name__}: {error}"}
    if command == "read":
        print(json.dumps(read(sys.argv[2])))
    else:
        print(json.dumps({path: read(path) for path in sys.argv[2:]}))
elif command == "cuts":
    data = open(sys.argv[2], "rb").read()
    verdicts = {}
    for cut in range(len(data) + 1):
        try:
            scipy.io.loadmat(io.BytesIO(data[:cut]))
            verdicts[cut] = True
        except Exception:  # noqa: BLE001
            verdicts[cut] = False
    print(json.dumps(verdicts))
elif command == "write4":
    scipy.io.savemat(sys.argv[2], {
        "d": np.array([[1.5, -2.0, 3.25], [4.0, 1e-300, -0.0]]),
        "z": np.array([[1 + 2j, -3.5 - 0.5j]]),
        "second_cat": "Schrödinger",
        "words": np.array(["one  ", "two  ", "three"]),
    }, format="4")
elif command == "readtext":
    loaded = scipy.io.loadmat(sys.argv[2])
    print(json.dumps("".join(loaded[sys.argv[3]].flatten())))
