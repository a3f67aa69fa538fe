"""Peer for the annotation formats, through crowsetta (the annotation library of vak):
  annotation_peer.py write DIR        -> DIR/crowsetta-generic.csv, DIR/crowsetta-raven.txt, DIR/crowsetta-audacity.txt
                                         (written by crowsetta) and DIR/expected.json
  annotation_peer.py read FORMAT FILE -> JSON list of the intervals crowsetta reads (FORMAT: generic-seq, raven, aud-bbox;
                                         raven-species: labels from a "Species" column)
  annotation_peer.py example-raven    -> the path of crowsetta's example Raven table (Raven's export, "Species" labels)
Numbers are written as Python's shortest repr so that they compare exactly."""
import json
import os
import sys

import numpy as np
import pandas as pd

import crowsetta
from crowsetta.formats.bbox import AudBBox, Raven
from crowsetta.formats.seq import GenericSeq


def intervals():
    return [
        {"recording": "Rfem_Afem01.wav", "onset": 0.125, "offset": 0.1875, "label": "up", "low": 41250.5, "high": 72000.0},
        {"recording": "Rfem_Afem01.wav", "onset": 1.5, "offset": 1.5625, "label": "complex", "low": 50000.0, "high": 90500.25},
        {"recording": "Rfem_Afem01.wav", "onset": 2.0001, "offset": 2.1, "label": "flat, short", "low": 60000.0, "high": 61000.0},
    ]


def write(directory):
    rows = intervals()
    seq = crowsetta.Sequence.from_keyword(labels=np.array([r["label"] for r in rows]),
                                          onsets_s=np.array([r["onset"] for r in rows]),
                                          offsets_s=np.array([r["offset"] for r in rows]),
                                          onset_samples=np.array([round(r["onset"] * 300000) for r in rows]),
                                          offset_samples=np.array([round(r["offset"] * 300000) for r in rows]))
    annotation = crowsetta.Annotation(annot_path=os.path.join(directory, "crowsetta-generic.csv"),
                                      notated_path=rows[0]["recording"], seq=seq)
    GenericSeq(annots=[annotation]).to_file(os.path.join(directory, "crowsetta-generic.csv"))
    frame = pd.DataFrame({"Selection": range(1, len(rows) + 1), "View": ["Spectrogram 1"] * len(rows), "Channel": [1] * len(rows),
                          "begin_time_s": [r["onset"] for r in rows], "end_time_s": [r["offset"] for r in rows],
                          "low_freq_hz": [r["low"] for r in rows], "high_freq_hz": [r["high"] for r in rows],
                          "annotation": [r["label"] for r in rows]})
    Raven(df=frame, annot_path=os.path.join(directory, "crowsetta-raven.txt"), annot_col="Annotation",
          audio_path=rows[0]["recording"]).to_file(os.path.join(directory, "crowsetta-raven.txt"))
    audacity = pd.DataFrame({"begin_time_s": [r["onset"] for r in rows], "end_time_s": [r["offset"] for r in rows],
                             "label": [r["label"] for r in rows], "low_freq_hz": [r["low"] for r in rows],
                             "high_freq_hz": [r["high"] for r in rows]})
    AudBBox(df=audacity, annot_path=os.path.join(directory, "crowsetta-audacity.txt")).to_file(
        os.path.join(directory, "crowsetta-audacity.txt"))
    with open(os.path.join(directory, "expected.json"), "w") as handle:
        json.dump(rows, handle)


def number(value):
    return None if value is None else repr(float(value))


def read(kind, path):
    out = []
    if kind == "generic-seq":
        for annotation in GenericSeq.from_file(path).to_annot():
            for segment in annotation.seq.segments:
                out.append({"recording": str(annotation.notated_path), "label": str(segment.label),
                            "onset": number(segment.onset_s), "offset": number(segment.offset_s),
                            "onsetSample": None if segment.onset_sample is None else int(segment.onset_sample),
                            "offsetSample": None if segment.offset_sample is None else int(segment.offset_sample)})
    else:
        if kind == "raven":
            loaded = Raven.from_file(path, annot_col="Annotation")
        elif kind == "raven-species":
            loaded = Raven.from_file(path, annot_col="Species")
        else:
            loaded = AudBBox.from_file(path)
        for box in loaded.to_bbox():
            out.append({"label": str(box.label), "onset": number(box.onset), "offset": number(box.offset),
                        "low": number(box.low_freq), "high": number(box.high_freq)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "example-raven":
        print(os.path.join(os.path.dirname(crowsetta.__file__), "examples", "Recording_1_Segment_02.Table.1.selections.txt"))
    else:
        read(sys.argv[2], sys.argv[3])
