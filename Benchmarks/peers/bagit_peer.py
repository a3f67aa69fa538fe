"""Peer for BagIt bags, through bagit.py (the Library of Congress's bagit-python, pinned in requirements.txt):
  bagit_peer.py make DIR ALGORITHM...  -> turns DIR into a bag in place with those manifests (bagit.make_bag)
  bagit_peer.py validate DIR           -> JSON: {"valid": bool, "error": str, "kind": str, "details": [...]}
where kind is the first reason bagit.py gives (it stops at the first failing stage: structure, bagit.txt, fetch.txt,
Payload-Oxum, completeness, checksums) and details its per-file findings:
  {"kind": "mismatch"|"missing"|"unexpected", "path": ..., "algorithm": ...}."""
import json
import logging
import sys

import bagit


def classify(message):
    text = message.lower()
    if "payload-oxum" in text:
        return "oxum"
    if "bagit.txt" in text or "bag version" in text or "byte-order mark" in text:
        return "declaration"
    if "conflicting values" in text:
        return "conflict"
    if "multiple times with the same value" in text:
        return "duplicate"
    if "unsafe" in text:
        return "unsafe"
    if "fetch.txt" in text:
        return "fetch"
    if "no manifest files" in text:
        return "no-manifest"
    if "data directory" in text:
        return "no-data"
    if "incomplete" in text:
        return "incomplete"
    if "validation failed" in text:
        return "checksums"
    return "other"


def validate(directory):
    details = []
    try:
        bag = bagit.Bag(directory)
        bag.validate(processes=1)
        return {"valid": True, "error": "", "kind": "", "details": []}
    except bagit.BagValidationError as error:
        for detail in error.details:
            if isinstance(detail, bagit.ChecksumMismatch):
                details.append({"kind": "mismatch", "path": detail.path, "algorithm": detail.algorithm})
            elif isinstance(detail, bagit.FileMissing):
                details.append({"kind": "missing", "path": detail.path})
            elif isinstance(detail, bagit.UnexpectedFile):
                details.append({"kind": "unexpected", "path": detail.path})
        return {"valid": False, "error": str(error), "kind": classify(error.message), "details": details}
    except bagit.BagError as error:
        return {"valid": False, "error": str(error), "kind": classify(str(error)), "details": details}


def main():
    logging.disable(logging.CRITICAL)
    command = sys.argv[1]
    if command == "make":
        bagit.make_bag(sys.argv[2], checksums=sys.argv[3:] or None)
        print("{}")
    elif command == "validate":
        print(json.dumps(validate(sys.argv[2])))
    else:
        raise SystemExit("usage: bagit_peer.py make DIR ALG... | validate DIR")


if __name__ == "__main__":
    main()
