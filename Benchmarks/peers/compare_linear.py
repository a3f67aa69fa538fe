"""Prints usv's and scikit-learn's linear-model timings side by side with the ratio and the agreement."""
import sys

import numpy as np

ours, theirs, data = np.load(sys.argv[1]), np.load(sys.argv[2]), np.load(sys.argv[3])
names = ["ridge fit", "ridge predict", "svm fit", "svm predict"]
for name, a, b in zip(names, ours["times"], theirs["times"]):
    print(f"  {name:14s} usv {a:8.3f} s   scikit-learn {b:8.3f} s   ratio (sklearn/usv) {b / a:6.2f}x")
print(f"  ridge outputs: max |usv - sklearn| = {np.max(np.abs(ours['ridge'] - theirs['ridge'])):.2e}")
agree = np.mean((ours["svm"] > 0) == (theirs["svm"] > 0))
print(f"  svm: predictions agree on {agree * 100:.2f} % of the test samples")
