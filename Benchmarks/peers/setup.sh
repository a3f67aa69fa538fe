#!/usr/bin/env bash
# Creates the Python "peer" environment (.build-py/, git-ignored) the benchmarks and interoperability
# tests compare against. The tool itself never needs Python.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Tests run in parallel and each may call this: one installs at a time, the others wait and then find it done.
exec 9>"${TMPDIR:-/tmp}/usvkit-peers.lock"
if command -v flock >/dev/null; then flock 9; fi
if [ ! -x .build-py/bin/python ]; then
  python3 -m venv .build-py
fi
.build-py/bin/python -c "import scipy, soundfile, numpy, sklearn, h5py, hdf5storage" 2>/dev/null || \
  .build-py/bin/pip install --quiet --disable-pip-version-check numpy scipy soundfile scikit-learn h5py hdf5storage >&2
# crowsetta (vak's annotation library) reads and writes generic-seq, Raven and Audacity for the annotation tests.
.build-py/bin/python -c "import crowsetta" 2>/dev/null || \
  .build-py/bin/pip install --quiet --disable-pip-version-check crowsetta >&2
# TensorFlow (CPU build) is the peer for the CNN parity test and benchmark; it is large, so only on request:
# `setup.sh tensorflow`.
if [ "${1:-}" = tensorflow ]; then
  .build-py/bin/python -c "import tensorflow" 2>/dev/null || \
    .build-py/bin/pip install --quiet --disable-pip-version-check tensorflow-cpu >&2
fi
echo .build-py/bin/python
