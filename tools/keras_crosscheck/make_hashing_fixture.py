"""Reference FarmHash Fingerprint64 values for tests/layers/test_lookup_layers.py.

Keras 3's `Hashing` (and multi-OOV `StringLookup`) bins are `tf.strings.to_hash_bucket_fast`,
i.e. FarmHash `Fingerprint64(utf8) % num_bins`. TensorFlow is not installed here, so the
reference is Google's C++ FarmHash through pyfarmhash (`farmhash.fingerprint64`), installed
outside the project:
    pip install --target /tmp/textfarm pyfarmhash
    PYTHONPATH=/tmp/textfarm python make_hashing_fixture.py OUT.json
Strings of every length class (0-16, 17-32, 33-64, > 64 bytes, multi-byte UTF-8) are covered.
"""

import json
import random
import sys

import farmhash

random.seed(0)
strings = ["", "a", "A", "B", "C", "D", "E", "hello", "12", "-7", "0", "true", "ünïcödé", "日本語のテキスト"]
alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-é€😀"
for length in list(range(1, 80)) + [100, 127, 128, 129, 200, 255, 256, 1000]:
    strings.append("".join(random.choice(alphabet) for _ in range(length)))
table = {s: str(farmhash.fingerprint64(s.encode("utf-8"))) for s in strings}
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump(table, handle, ensure_ascii=False)
print(len(table), "strings")
