"""Peer for the HDF5 bundle benchmark: h5py writes the same arrays as `usv export --format hdf5` wrote, with
the same dtypes, chunk shapes and filters (shuffle + deflate), then reads them all back.
  hdf5_write.py BUNDLE OUT -> JSON {"write_s", "read_s", "datasets", "bytes"}; loading BUNDLE is not timed."""
import json
import sys
import time

import h5py
import numpy as np

arrays = {}
with h5py.File(sys.argv[1], "r") as source:
    def collect(name, item):
        if isinstance(item, h5py.Dataset):
            arrays[name] = (item[()], item.chunks, item.compression_opts, item.shuffle, item.dtype)
    source.visititems(collect)

started = time.perf_counter()
with h5py.File(sys.argv[2], "w") as target:
    for name, (values, chunks, level, shuffle, dtype) in arrays.items():
        if h5py.check_string_dtype(dtype) is not None:
            values = values.astype(object)
        chunked = chunks is not None and values.size > 0
        target.create_dataset(name, data=values, dtype=dtype, chunks=chunks if chunked else None,
                              maxshape=(None,) * values.ndim if chunked else None,
                              compression="gzip" if level is not None and values.size else None,
                              compression_opts=level if values.size else None, shuffle=bool(shuffle) and values.size > 0)
written = time.perf_counter()
total = 0
with h5py.File(sys.argv[2], "r") as target:
    def read(name, item):
        global total
        if isinstance(item, h5py.Dataset):
            total += item[()].nbytes
    target.visititems(read)
done = time.perf_counter()
print(json.dumps({"write_s": written - started, "read_s": done - written, "datasets": len(arrays), "bytes": total}))
