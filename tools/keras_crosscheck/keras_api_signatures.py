"""Stores Keras 3.15's public signatures for tests/test_keras_signatures.py.

    python tools/keras_crosscheck/keras_api_signatures.py [KERAS_API_JSON]

Reads the API dump of the coverage tool (`/work/shared/tools/api_coverage/keras_api.json`,
written from Keras 3.15.1 on JAX by that tool's keras_dump.py; re-dump it there for another Keras)
and keeps, for every public class and function, its parameters as
`[name, kind, default repr or None, required]` in
`tests/fixtures/keras_api_signatures.json`, so the test needs neither Keras nor the shared tools.
"""

import json
import os
import sys

KINDS = {"POSITIONAL_ONLY": "po", "POSITIONAL_OR_KEYWORD": "pk", "VAR_POSITIONAL": "var",
         "KEYWORD_ONLY": "ko", "VAR_KEYWORD": "kw"}


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/tools/api_coverage/keras_api.json"
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, "..", "..", "tests", "fixtures", "keras_api_signatures.json")
    data = json.load(open(source))
    out = {"keras_version": data["keras_version"], "backend": data.get("backend"),
           "kinds": {v: k for k, v in KINDS.items()}, "namespaces": {}}
    count = 0
    for namespace, names in sorted(data["namespaces"].items()):
        kept = {}
        for name, entry in sorted(names.items()):
            if entry["kind"] not in ("class", "function") or entry.get("params") is None:
                continue
            kept[name] = {"kind": entry["kind"],
                          "params": [[p["name"], KINDS[p["kind"]], p["default"], bool(p.get("required"))]
                                     for p in entry["params"]]}
            count += 1
        if kept:
            out["namespaces"][namespace] = kept
    with open(target, "w") as handle:
        json.dump(out, handle, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"{count} signatures -> {os.path.normpath(target)} ({os.path.getsize(target):,} bytes)")


if __name__ == "__main__":
    main()
