"""Peer for the MAT-file format: scipy.io writes files for usv to read, and reads files usv wrote.
  mat_peer.py write DIR   -> DIR/plain.mat (v5), DIR/compressed.mat (v5, zlib) and DIR/expected.json
  mat_peer.py read FILE   -> JSON of the variables as scipy.io.loadmat sees them (column-major values)
  mat_peer.py write73 DIR -> DIR/v73.mat written by hdf5storage (MAT v7.3, HDF5) from the same variables
  mat_peer.py read73 FILE -> JSON of a v7.3 file's variables as hdf5storage.loadmat sees them, in scipy's form"""
import json
import sys

import numpy as np
import scipy.io


def variables():
    rng = np.random.default_rng(0)
    def cell(value):
        wrapped = np.empty((1, 1), dtype=object)
        wrapped[0, 0] = value
        return wrapped
    v = {"Sound": cell(rng.standard_normal((300, 1))),
         "Spec": cell(rng.random((233, 4))),
         "Start": 1.25, "Stop": 1.3, "Duration": 0.05, "F": np.arange(10200.0, 149401.0, 600.0).reshape(-1, 1),
         "SRSound": 300000.0, "SRSpec": 1200.0, "Filename": "Rfem_Afem01.wav"}
    return {
        "d": np.array([[1.5, -2.0], [3.25, 4.0], [1e-300, 6.0]]),
        "s": np.array([[0.5, 1.5, -2.5]], dtype=np.float32),
        "i8": np.array([[-128, 127]], dtype=np.int8), "u8": np.array([[0, 255]], dtype=np.uint8),
        "i16": np.array([[-32768, 32767]], dtype=np.int16), "u16": np.array([[0, 65535]], dtype=np.uint16),
        "i32": np.array([[-2**31, 2**31 - 1]], dtype=np.int32), "u32": np.array([[0, 2**32 - 1]], dtype=np.uint32),
        "i64": np.array([[-2**40, 2**40]], dtype=np.int64), "u64": np.array([[0, 2**50]], dtype=np.uint64),
        "z": np.array([[1 + 2j, -3.5 - 0.5j]]),
        "b": np.array([[True, False, True]]),
        "t": "hello USV",
        "cells": np.array([[1.0, "x", np.array([[1.0, 2.0]])]], dtype=object),
        "v": v,
    }


def plain(value):
    """A JSON form: kind, dims, column-major values."""
    if isinstance(value, dict):  # hdf5storage's 1 x 1 struct
        return {"kind": "struct", "dims": [1, 1], "fields": {name: plain(field) for name, field in value.items()}}
    if isinstance(value, np.ndarray) and value.dtype.names and value.shape == (1,):
        # hdf5storage's form of a MATLAB-written 1 x 1 struct: one record whose fields are 2-D arrays.
        return {"kind": "struct", "dims": [1, 1], "fields": {name: plain(value[name][0]) for name in value.dtype.names}}
    if isinstance(value, np.ndarray) and value.dtype == bool:  # scipy.io gives MATLAB logicals as uint8
        value = value.astype(np.uint8)
    if isinstance(value, np.ndarray) and value.dtype == object:
        if value.dtype.names:
            return {"kind": "struct", "dims": list(value.shape),
                    "fields": {name: plain(value[name][0, 0]) for name in value.dtype.names}}
        return {"kind": "cell", "dims": list(value.shape), "values": [plain(x) for x in value.flatten(order="F")]}
    if isinstance(value, np.ndarray) and value.dtype.names:
        return {"kind": "struct", "dims": list(value.shape),
                "fields": {name: plain(value[name][0, 0]) for name in value.dtype.names}}
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return {"kind": "char", "text": "".join(value.flatten(order="F"))}
    if isinstance(value, str):
        return {"kind": "char", "text": value}
    array = np.atleast_2d(np.asarray(value))
    if array.dtype == bool:
        return {"kind": "logical", "dims": list(array.shape), "values": [bool(x) for x in array.flatten(order="F")]}
    if np.iscomplexobj(array):
        flat = array.flatten(order="F")
        return {"kind": "complex", "dims": list(array.shape), "real": [float(x.real) for x in flat], "imag": [float(x.imag) for x in flat]}
    return {"kind": "numeric", "class": str(array.dtype), "dims": list(array.shape),
            "values": [float(x) for x in array.flatten(order="F")]}


if sys.argv[1] == "write":
    data = variables()
    scipy.io.savemat(sys.argv[2] + "/plain.mat", data, do_compression=False)
    scipy.io.savemat(sys.argv[2] + "/compressed.mat", data, do_compression=True)
    loaded = scipy.io.loadmat(sys.argv[2] + "/plain.mat")
    json.dump({name: plain(loaded[name]) for name in data}, open(sys.argv[2] + "/expected.json", "w"))
elif sys.argv[1] == "write73":
    import hdf5storage
    hdf5storage.savemat(sys.argv[2] + "/v73.mat", variables(), format="7.3", matlab_compatible=True)
elif sys.argv[1] == "read73":
    import hdf5storage
    loaded = hdf5storage.loadmat(sys.argv[2])
    print(json.dumps({name: plain(value) for name, value in loaded.items() if not name.startswith("__")}))
else:
    loaded = scipy.io.loadmat(sys.argv[2])
    print(json.dumps({name: plain(value) for name, value in loaded.items() if not name.startswith("__")}))
