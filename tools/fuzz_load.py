"""Fuzzes `load_model` with mutated `.keras` archives: only lamina's documented load errors, no hangs.

    .venv/bin/python tools/fuzz_load.py [--count 1000] [--seed 0] [--timeout 20]

Six base models (Sequential MLP trained one step so the optimizer state is saved, a residual
Functional model, LSTM/Bidirectional, Conv2D/BatchNormalization, Embedding with masking and a
GRU, a nested model) are saved once; archive `i` is base `i % 6` mutated by a generator seeded with
`seed + i` (so any archive can be remade from its number): bytes flipped anywhere in the zip, in
config.json or in model.weights.h5; a config node replaced by a hostile value (huge or negative
numbers, wrong types, class and function names that would run code: `os.system`, `builtins.exec`,
bytecode, module `this`...); keys dropped; members dropped, duplicated or renamed; archives
truncated; members replaced by decompression bombs.

Every archive is loaded in a worker process (restarted if it ever dies, so a segfault counts as a
crash) under a time limit. Outcomes: `loaded`, `refused` (a `LoadError` subclass: the documented
errors), `crash` (any other exception, or the worker dying), `hang` (over the time limit). Code run
by a file would also show: the hostile names point at `hostile_probe`, a module on the worker's
path that leaves a file when imported or called, and `os.system`/`exec` payloads write files too;
any such file is counted under `code_ran`. Exit status 1 if anything crashed, hung or ran code.
"""

import argparse
import copy
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "saving"))

import crafted_archives  # noqa: E402

BASES = ("mlp_trained", "residual", "lstm", "conv_bn", "embedding_gru", "nested")


# ------------------------------------------------------------------ base models

def _build(name):
    import numpy as np

    import lamina as keras
    from lamina import layers

    if name == "mlp_trained":
        model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(8, activation="relu"), layers.Dropout(0.1),
                                  layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(np.ones((8, 6), "float32"), np.zeros((8,), "int64"), epochs=1, batch_size=8, verbose=0)
        return model
    if name == "residual":
        x = keras.Input(shape=(5,), name="features")
        h = layers.Dense(4, activation="relu", kernel_regularizer="l2")(x)
        y = layers.Activation("relu")(layers.Add()([h, layers.Dense(4)(x)]))
        model = keras.Model(x, layers.Dense(2, name="out")(y))
        model.compile(optimizer="sgd", loss="mse")
        return model
    if name == "lstm":
        x = keras.Input(shape=(4, 3))
        return keras.Model(x, layers.Dense(2)(layers.Bidirectional(layers.LSTM(3))(x)))
    if name == "conv_bn":
        x = keras.Input(shape=(6, 6, 2))
        h = layers.BatchNormalization()(layers.Conv2D(3, 3, padding="same")(x))
        return keras.Model(x, layers.Dense(2)(layers.GlobalAveragePooling2D()(h)))
    if name == "embedding_gru":
        x = keras.Input(shape=(5,), dtype="int64")
        return keras.Model(x, layers.Dense(1)(layers.GRU(3)(layers.Embedding(10, 4, mask_zero=True)(x))))
    inner_in = keras.Input(shape=(3,))
    inner = keras.Model(inner_in, layers.Dense(3, activation="tanh")(inner_in), name="inner")
    x = keras.Input(shape=(3,))
    return keras.Model(x, layers.Dense(1)(inner(inner(x))))


def save_bases(folder):
    """Saves every base model into `folder`; returns `{name: {member: bytes}}`."""
    bases = {}
    for name in BASES:
        path = os.path.join(folder, name + ".keras")
        _build(name).save(path)
        bases[name] = crafted_archives.read_members(path)
    return bases


# ------------------------------------------------------------------ mutations

def _hostile_values(markers):
    probe = crafted_archives.PROBE_MODULE
    return [None, -1, 0, 2 ** 31, 10 ** 15, -(10 ** 15), 1.5, float("nan"), True, "", "x" * 1000, "relu", [], {},
            [None], [[]], [-1, -1], [10 ** 9, 10 ** 9], ["a", 0, 0], [["a", 0, 0]], {"class_name": "Dense"},
            {"class_name": "Dense", "config": {}}, {"class_name": "__lambda__", "config": {"code": "AAAA"}},
            {"class_name": "__keras_tensor__", "config": {"shape": [None, 3], "dtype": "float32",
                                                          "keras_history": ["nowhere", 0, 0]}},
            {"module": "os", "class_name": "function", "config": "system", "registered_name": "system"},
            {"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "exec"},
            {"module": probe, "class_name": "function", "config": "evil", "registered_name": "evil"},
            {"module": probe, "class_name": "EvilLayer", "config": {}, "registered_name": f"{probe}>EvilLayer"},
            {"module": "this", "class_name": "Zen", "config": {}, "registered_name": None},
            {"module": "keras.layers", "class_name": "Lambda", "config": {
                "name": "l", "function": {"module": "os", "class_name": "function", "config": "system"}}},
            f"touch {os.path.join(markers, 'os_system')}",
            f"open({os.path.join(markers, 'exec')!r}, 'w').close()"]


def _nodes(value):
    found = []

    def collect(item, parent, key):
        found.append((parent, key))
        if isinstance(item, dict):
            for k, v in item.items():
                collect(v, item, k)
        elif isinstance(item, list):
            for i, v in enumerate(item):
                collect(v, item, i)

    collect(value, None, None)
    return found[1:]


def _mutate_config(data, rng, markers):
    config = json.loads(data)
    for _ in range(rng.randint(1, 3)):
        nodes = _nodes(config)
        if not nodes:
            break
        parent, key = rng.choice(nodes)
        if rng.random() < 0.2 and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = copy.deepcopy(rng.choice(_hostile_values(markers)))
    return json.dumps(config).encode()


def _flip(data, rng, most=16):
    data = bytearray(data)
    for _ in range(rng.randint(1, most)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _zip(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate member names are one of the mutations
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def make_archive(bases, index, seed, folder, markers):
    """Writes mutated archive `index` into `folder`; returns (path, kind)."""
    rng = random.Random(seed + index)
    members = dict(bases[BASES[index % len(BASES)]])
    kind = rng.choice(["zip_bytes", "config", "config", "config", "weights_bytes", "metadata", "members",
                       "truncate", "bomb", "deflated_config"])
    path = os.path.join(folder, f"fuzz_{index}.keras")
    if kind == "config":
        members["config.json"] = _mutate_config(members["config.json"], rng, markers)
    elif kind == "weights_bytes":
        members["model.weights.h5"] = _flip(members["model.weights.h5"], rng, 32)
    elif kind == "metadata":
        members["metadata.json"] = rng.choice([b"", b"[]", b"{", b'{"lamina_version": 5}', _flip(
            members["metadata.json"], rng, 4)])
    elif kind == "members":
        items = list(members.items())
        action = rng.choice(["drop", "duplicate", "rename", "extra", "traversal"])
        victim = rng.randrange(len(items))
        if action == "drop":
            items.pop(victim)
        elif action == "duplicate":
            items.append((items[victim][0], b"{}"))
        elif action == "rename":
            items[victim] = (items[victim][0].upper(), items[victim][1])
        elif action == "extra":
            items.append(("assets/x.bin", os.urandom(64)))
        else:
            items.append(("../../evil.json", b"{}"))
        with open(path, "wb") as handle:
            handle.write(_zip(items))
        return path, f"{kind}:{action}"
    elif kind == "bomb":
        victim = rng.choice(["model.weights.h5", "config.json"])
        rest = {k: v for k, v in members.items() if k != victim}
        return crafted_archives.write_inflating_archive(path, rest, victim, rng.choice([32, 64, 256])), kind
    if kind == "deflated_config":
        members["config.json"] = _mutate_config(members["config.json"], rng, markers)
        data = _zip(members.items(), zipfile.ZIP_DEFLATED)
    else:
        data = _zip(members.items())
    if kind == "zip_bytes":
        data = _flip(data, rng, 8)
    elif kind == "truncate":
        data = data[:rng.randrange(len(data))]
    with open(path, "wb") as handle:
        handle.write(data)
    return path, kind


# ------------------------------------------------------------------ worker and driver

def worker(folder, markers, seed, start, count, timeout):
    """Loads archives `start..count-1`, printing one JSON line per archive (run in a subprocess)."""
    import resource
    import signal

    sys.path.insert(0, os.path.join(folder, "probe"))
    os.environ["LAMINA_PROBE_MARKERS"] = markers
    from lamina.saving import LoadError, load_model

    bases = {name: crafted_archives.read_members(os.path.join(folder, "bases", name + ".keras")) for name in BASES}

    def alarm(signum, frame):
        raise TimeoutError("hang")

    signal.signal(signal.SIGALRM, alarm)
    for index in range(start, count):
        path, kind = make_archive(bases, index, seed, os.path.join(folder, "cases"), markers)
        begin, cpu_begin = time.perf_counter(), time.process_time()
        signal.alarm(timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load_model(path)
            outcome, detail = "loaded", ""
        except TimeoutError:
            outcome, detail = "hang", ""
        except LoadError as error:
            outcome, detail = "refused", type(error).__name__
        except Exception as error:  # what the fuzzer looks for
            outcome, detail = "crash", "".join(traceback.format_exception(error))[-1500:]
        finally:
            signal.alarm(0)
        seconds, cpu_seconds = time.perf_counter() - begin, time.process_time() - cpu_begin
        ran = sorted(os.listdir(markers))
        for name in ran:
            os.unlink(os.path.join(markers, name))
        os.unlink(path)
        print(json.dumps({"index": index, "kind": kind, "outcome": outcome, "detail": detail, "seconds": seconds,
                          "cpu_seconds": cpu_seconds, "code_ran": ran, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}),
              flush=True)


def fuzz(count=1000, seed=0, timeout=20, folder=None, verbose=True):
    """Runs the fuzzer; returns the summary dict (see the module docstring)."""
    folder = folder or tempfile.mkdtemp(prefix="fuzz-load-")
    for sub in ("bases", "cases", "probe", "markers"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    markers = os.path.join(folder, "markers")
    crafted_archives.write_probe_module(os.path.join(folder, "probe"))
    save_bases(os.path.join(folder, "bases"))
    results, start = [], 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    while start < count:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", folder, str(seed),
                                    str(start), str(count), str(timeout)], stdout=subprocess.PIPE, text=True, env=env)
        for line in process.stdout:
            result = json.loads(line)
            results.append(result)
            start = result["index"] + 1
            if verbose and result["outcome"] not in ("loaded", "refused") or result["code_ran"]:
                print(f"archive {result['index']} ({result['kind']}): {result['outcome']} {result['code_ran']}\n"
                      f"{result['detail']}", flush=True)
        process.wait()
        if process.returncode != 0 and start < count:  # the worker died on archive `start`
            results.append({"index": start, "kind": "?", "outcome": "crash", "code_ran": [], "seconds": 0,
                            "cpu_seconds": 0,
                            "peak_rss": 0, "detail": f"worker died with status {process.returncode}"})
            if verbose:
                print(f"archive {start}: the worker died (status {process.returncode})", flush=True)
            start += 1
    summary = {"archives": len(results), "seed": seed,
               "outcomes": {k: sum(r["outcome"] == k for r in results) for k in ("loaded", "refused", "crash",
                                                                                  "hang")},
               "code_ran": sum(bool(r["code_ran"]) for r in results),
               "slowest_seconds": round(max(r["seconds"] for r in results), 3),
               "slowest_cpu_seconds": round(max(r["cpu_seconds"] for r in results), 3),
               "peak_rss_mib": round(max(r["peak_rss"] for r in results) / 2 ** 20),
               "kinds": sorted({r["kind"].split(":")[0] for r in results})}
    return summary


def main(argv):
    if argv and argv[0] == "--worker":
        folder, seed, start, count, timeout = argv[1], *map(int, argv[2:6])
        worker(folder, os.path.join(folder, "markers"), seed, start, count, timeout)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=20, help="seconds before a load counts as a hang")
    args = parser.parse_args(argv)
    summary = fuzz(args.count, args.seed, args.timeout)
    print(json.dumps(summary))
    bad = summary["outcomes"]["crash"] + summary["outcomes"]["hang"] + summary["code_ran"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
