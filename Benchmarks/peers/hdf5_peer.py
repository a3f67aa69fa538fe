"""Peer for the HDF5 catalog bundle: h5py reads what `usv export --format hdf5` wrote.
  hdf5_peer.py dump FILE -> JSON: layout attributes, every /tables column (missing values as null), and the
                            snippets' per-USV audio lengths and spectrogram shapes and sums"""
import json
import sys

import h5py
import numpy as np


def column(group, name):
    data = group[name]
    if h5py.check_string_dtype(data.dtype) is not None:
        values = list(data.asstr()[()])
    elif name + ".offsets" in group:
        offsets = group[name + ".offsets"][()]
        flat = data[()]
        values = [[float(x) for x in flat[offsets[i]:offsets[i + 1]]] for i in range(len(offsets) - 1)]
    elif data.dtype.kind == "f":
        values = [float(x) for x in data[()]]
    else:
        values = [int(x) for x in data[()]]
    if name + ".null" in group:
        mask = group[name + ".null"][()]
        values = [None if missing else value for value, missing in zip(values, mask)]
    return values


def dump(path):
    f = h5py.File(path, "r")
    out = {"layout": f.attrs["layout"].decode() if isinstance(f.attrs["layout"], bytes) else str(f.attrs["layout"]),
           "layout_version": int(np.asarray(f.attrs["layout_version"]).ravel()[0]), "tables": {}}
    for table, group in f["tables"].items():
        names = json.loads(group.attrs["columns"])
        out["tables"][table] = {name: column(group, name) for name in names}
    if "snippets" in f:
        s = f["snippets"]
        audio = s["audio/offsets"][()]
        spec = s["spectrograms/offsets"][()]
        rows, frames = s["spectrograms/rows"][()], s["spectrograms/frames"][()]
        values = s["spectrograms/values"]
        out["snippets"] = [{"usv_id": int(u), "samples": int(audio[i + 1] - audio[i]),
                            "shape": [int(rows[i]), int(frames[i])],
                            "spectrogram_sum": float(np.sum(values[spec[i]:spec[i + 1]].reshape(frames[i], rows[i]).T, dtype=np.float64))}
                           for i, u in enumerate(s["usv_id"][()])]
    return out


if sys.argv[1] == "dump":
    print(json.dumps(dump(sys.argv[2])))
