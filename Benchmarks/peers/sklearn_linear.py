"""Peer for the linear models: scikit-learn's Ridge and LinearSVC on the same data as usv.
Usage: sklearn_linear.py DATA.npz OUT.npz
DATA.npz holds train_x, train_y, test_x (float64); OUT.npz gets ridge (Ridge.predict on test_x), svm (LinearSVC
decision_function), and the fit/predict times."""
import sys
import time

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.svm import LinearSVC

data = np.load(sys.argv[1])
train_x, train_y, test_x = data["train_x"], data["train_y"], data["test_x"]
lam = float(np.ravel(data["lam"])[0]) if "lam" in data else 0.001

started = time.perf_counter()
ridge = Ridge(alpha=lam, fit_intercept=True, solver="auto").fit(train_x, train_y)
ridge_fit = time.perf_counter() - started
started = time.perf_counter()
ridge_out = ridge.predict(test_x)
ridge_predict = time.perf_counter() - started

started = time.perf_counter()
svm = LinearSVC(C=1.0, loss="squared_hinge", dual=True, tol=1e-4, max_iter=1000, random_state=0).fit(train_x, train_y)
svm_fit = time.perf_counter() - started
started = time.perf_counter()
svm_out = svm.decision_function(test_x)
svm_predict = time.perf_counter() - started

np.savez(sys.argv[2], ridge=ridge_out, svm=svm_out,
         times=np.array([ridge_fit, ridge_predict, svm_fit, svm_predict]))
print(f"sklearn: ridge fit {ridge_fit:.3f} s predict {ridge_predict:.3f} s; svm fit {svm_fit:.3f} s predict {svm_predict:.3f} s")
