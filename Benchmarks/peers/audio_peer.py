"""Peer for the audio formats: soundfile (libsndfile's Python binding) writes files for usv to read and reads
files usv wrote.
  audio_peer.py write DIR  -> DIR/<name> for several containers and encodings at 300 kHz, and DIR/expected.json
                              {name: {"rate", "values"}} with the samples as soundfile reads them (float64)
  audio_peer.py read FILE  -> JSON {"rate", "subtype", "values"} as soundfile reads FILE"""
import json
import sys

import numpy as np
import soundfile

FILES = {"pcm16.wav": ("WAV", "PCM_16"), "pcm24.wav": ("WAV", "PCM_24"), "float.wav": ("WAV", "FLOAT"),
         "pcm32.wav": ("WAV", "PCM_32"), "pcm16.flac": ("FLAC", "PCM_16"), "pcm24.flac": ("FLAC", "PCM_24"),
         "pcm16.w64": ("W64", "PCM_16"), "pcm16.rf64": ("RF64", "PCM_16"), "pcm16.aiff": ("AIFF", "PCM_16")}

if sys.argv[1] == "write":
    rng = np.random.default_rng(3)
    t = np.arange(3000) / 300000.0
    signal = 0.6 * np.sin(2 * np.pi * 70000 * t) * np.hanning(3000) + 0.05 * rng.standard_normal(3000)
    signal = np.clip(signal, -1, 0.999)
    expected = {}
    for name, (container, subtype) in FILES.items():
        path = sys.argv[2] + "/" + name
        soundfile.write(path, signal, 300000, format=container, subtype=subtype)
        values, rate = soundfile.read(path, dtype="float64")
        expected[name] = {"rate": rate, "values": [float(x) for x in values]}
    json.dump(expected, open(sys.argv[2] + "/expected.json", "w"))
else:
    values, rate = soundfile.read(sys.argv[2], dtype="float64")
    print(json.dumps({"rate": rate, "subtype": soundfile.info(sys.argv[2]).subtype, "values": [float(x) for x in values]}))
