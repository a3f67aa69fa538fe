"""Peer for `usv spectrogram`: the same spectrogram with scipy (MATLAB hanning(500), hop 250, FFT 500,
one-sided, Nyquist dropped, |FFT|, rows from 10 kHz), written as float32 frame-major like usv's .f32.
Usage: spectrogram.py IN.wav OUT.f32 [USV.f32 to compare against]"""
import sys
import time

import numpy as np
import soundfile
from scipy.signal import ShortTimeFFT
from scipy.signal.windows import hann

started = time.perf_counter()
samples, rate = soundfile.read(sys.argv[1], dtype="float32")
window = hann(502, sym=True)[1:-1]  # MATLAB hanning(500): symmetric, no zero end points
stft = ShortTimeFFT(window, hop=250, fs=rate, mfft=500, scale_to=None)
# Frames whose window lies entirely inside the signal (MATLAB spectrogram's convention).
frames = (len(samples) - 500) // 250 + 1
first_row = int(np.ceil(10_000 / (rate / 500)))
# ShortTimeFFT centres slice k at k*hop; the window of slice k starts at k*hop - 250, so slices 1..frames.
magnitude = np.abs(stft.stft(samples, p0=1, p1=frames + 1))[first_row:250, :].astype(np.float32)
magnitude.T.tofile(sys.argv[2])
elapsed = time.perf_counter() - started
print(f"scipy: {magnitude.shape[0]} rows x {magnitude.shape[1]} frames in {elapsed:.3f} s")
if len(sys.argv) > 3:
    ours = np.fromfile(sys.argv[3], dtype="<f4").reshape(-1, magnitude.shape[0])
    theirs = magnitude.T
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    error = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
    print(f"max |usv - scipy| / max = {error:.2e}")
