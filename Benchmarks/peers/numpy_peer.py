"""Peer for the NumPy formats: numpy writes .npy/.npz files for usv to read, and reads files usv wrote.
  numpy_peer.py write DIR   -> DIR/*.npy (every dtype, both byte orders, C and Fortran order, versions 1-3),
                               DIR/stored.npz, DIR/compressed.npz and DIR/expected.json
  numpy_peer.py read FILE   -> JSON of the arrays as numpy loads them
Values are written as strings (integers exactly, floats as Python's shortest repr) in C order."""
import json
import os
import sys

import numpy as np

CODES = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8"]


def plain(array):
    flat = np.ascontiguousarray(array).reshape(-1)
    if array.dtype.kind == "b":
        values = ["1" if v else "0" for v in flat]
    elif array.dtype.kind in "iu":
        values = [str(int(v)) for v in flat]
    else:
        values = [repr(float(v)) for v in flat]
    return {"dtype": array.dtype.newbyteorder("=").name if array.dtype.kind != "b" else "bool",
            "shape": list(array.shape), "values": values}


def sample(code, shape, rng):
    dtype = np.dtype(code)
    count = int(np.prod(shape))
    if dtype.kind == "b":
        values = rng.integers(0, 2, count).astype(bool)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, count, dtype=dtype, endpoint=True)
        if count >= 2:
            values[0], values[1] = info.min, info.max
    else:
        values = rng.standard_normal(count).astype(dtype) * 1000
        specials = [np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).tiny / 4, np.finfo(dtype).max]
        for index, special in enumerate(specials[:count]):
            values[index] = special
    return values.reshape(shape)


def write(directory):
    rng = np.random.default_rng(6)
    expected = {}
    for code in CODES:
        orders = ["|"] if np.dtype(code).itemsize == 1 else ["<", ">"]
        for order in orders:
            base = sample(code, (2, 3, 4), rng).astype(np.dtype(order + code))
            for fortran in (False, True):
                array = np.asfortranarray(base) if fortran else np.ascontiguousarray(base)
                for version in ((1, 0), (2, 0), (3, 0)):
                    name = f"{code}_{'be' if order == '>' else 'le'}_{'F' if fortran else 'C'}_v{version[0]}.npy"
                    with open(os.path.join(directory, name), "wb") as handle:
                        np.lib.format.write_array(handle, array, version=version)
                    expected[name] = {name[:-4]: plain(array)}
    shapes = {"scalar.npy": np.array(3.25), "empty.npy": np.zeros((0, 3), dtype=np.int32),
              "vector.npy": np.arange(7, dtype=np.uint16), "bool_scalar.npy": np.array(True),
              "wide.npy": np.arange(2 * 3 * 2 * 2 * 3, dtype=np.int64).reshape(2, 3, 2, 2, 3).transpose(4, 1, 3, 0, 2)}
    for name, array in shapes.items():
        np.save(os.path.join(directory, name), array)
        expected[name] = {name[:-4]: plain(array)}
    members = {"spectrogram": rng.random((233, 50)).astype(np.float32), "labels": np.array([1, 0, 2], dtype=np.int64),
               "mask": np.array([[True, False], [False, True]]), "onsets": np.array([0.125, 1.5, 2.75])}
    np.savez(os.path.join(directory, "stored.npz"), **members)
    np.savez_compressed(os.path.join(directory, "compressed.npz"), **members)
    expected["stored.npz"] = expected["compressed.npz"] = {key: plain(value) for key, value in members.items()}
    with open(os.path.join(directory, "expected.json"), "w") as handle:
        json.dump(expected, handle)


def read(path):
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: plain(archive[key]) for key in archive.files}
    else:
        arrays = {os.path.basename(path)[:-4]: plain(np.load(path, allow_pickle=False))}
    json.dump(arrays, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        read(sys.argv[2])
