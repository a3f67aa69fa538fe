"""Peer for the table formats, through Python's csv and json modules:
  table_peer.py write DIR   -> DIR/minimal.csv (QUOTE_MINIMAL, CRLF), DIR/all.csv (QUOTE_ALL, BOM), DIR/tabs.tsv,
                               DIR/rows.jsonl and DIR/expected.json (the rows as lists of strings, None for null)
  table_peer.py read FILE   -> JSON: the rows as Python reads them (csv: lists of strings; jsonl: objects)"""
import csv
import json
import os
import sys

HEADER = ["id", "duration", "label", "note"]
ROWS = [["1", "0.0625", "up", "plain"],
        ["-9223372036854775808", "1e-300", "a,b\t\"c\"", "line\nbreak\r\nand CR"],
        ["9223372036854775807", "-2.5", "007", ""],
        ["2", "inf", "Ünïcødé 🐭", "x"]]


def write(directory):
    with open(os.path.join(directory, "minimal.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # CRLF line ends, minimal quoting
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    with open(os.path.join(directory, "all.csv"), "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    with open(os.path.join(directory, "tabs.tsv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    with open(os.path.join(directory, "rows.jsonl"), "w", encoding="utf-8") as handle:
        for row in ROWS:
            record = {"id": int(row[0]), "duration": float(row[1]) if row[1] != "inf" else None, "label": row[2], "note": row[3],
                      "kept": row[0] == "1"}
            handle.write(json.dumps(record, ensure_ascii=row[0] == "2") + "\n")
    with open(os.path.join(directory, "expected.json"), "w") as handle:
        json.dump({"header": HEADER, "rows": ROWS}, handle)


def read(path):
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as handle:
            json.dump([json.loads(line) for line in handle if line.strip()], sys.stdout)
        return
    with open(path, newline="", encoding="utf-8-sig") as handle:
        json.dump(list(csv.reader(handle, delimiter="\t" if path.endswith(".tsv") else ",")), sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        read(sys.argv[2])
