"""The seed MLP's `fit` under lamina and under Keras 3 on JAX, same script, processes taking turns.

Run: `.venv/bin/python bench/bench_keras_jax.py [--keras-python PATH] [--rounds 5] [--steps 1000]`

Runs `bench/seed_mlp_fit.py` alternately with this interpreter (`import lamina as keras`) and
with the Keras venv's (`KERAS_BACKEND=jax`, default `/tmp/lamina-keras-venv/bin/python`), each on
its defaults. Prints each framework's median ms/step over the rounds and lamina / Keras-JAX.
Skips, saying so, when that interpreter is missing or cannot import Keras with JAX. Each process's
line shows its three fits' ms/step and, for lamina, how the step ran at the end (eager, compiling
in the background, or captured from the package cache: `LAMINA_CACHE_DIR`, see the README). A
first run on a machine compiles the package in a child process (~30-60 s); rounds after that load it.
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(python, framework, steps, extra_env, extra_args=()):
    env = {**os.environ, **extra_env}
    out = subprocess.run([python, os.path.join(HERE, "seed_mlp_fit.py"), "--framework", framework,
                          "--steps", str(steps), "--repeats", "3", *extra_args],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{framework} run failed:\n{out.stderr[-2000:]}")
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")][-1]
    print(f"  {line[len('RESULT '):]}", flush=True)  # per fit, and (lamina) how the step ran
    fields = line.split()
    return float(fields[2]), float(fields[5])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras-python", default="/tmp/lamina-keras-venv/bin/python")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lamina-args", default="", help="extra seed_mlp_fit.py arguments for lamina, e.g. '--jit true'")
    args = parser.parse_args()
    keras_env = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    if not os.path.exists(args.keras_python):
        print(f"SKIPPED: no Keras interpreter at {args.keras_python} (pass --keras-python)")
        return
    check = subprocess.run([args.keras_python, "-c", "import keras, jax; print(keras.__version__, jax.__version__)"],
                           capture_output=True, text=True, env={**os.environ, **keras_env}, check=False)
    if check.returncode != 0:
        print(f"SKIPPED: {args.keras_python} cannot import keras with jax:\n{check.stderr[-500:]}")
        return
    lamina_env = {"PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    ours, theirs, loads = [], [], []
    for round_index in range(args.rounds):
        pair = [("lamina", sys.executable, lamina_env, args.lamina_args.split()),
                ("keras", args.keras_python, keras_env, [])]
        for name, python, env, extra in pair if round_index % 2 == 0 else reversed(pair):
            ms, load = run(python, name, args.steps, env, extra)
            (ours if name == "lamina" else theirs).append(ms)
            loads.append(load)
    ours_ms, theirs_ms = statistics.median(ours), statistics.median(theirs)
    print(f"seed MLP fit, batch 32, {args.steps} steps x 3 per process, {args.rounds} rounds taking turns "
          f"(keras {check.stdout.split()[0]}, jax {check.stdout.split()[1]}): lamina {ours_ms:.3f} ms/step, "
          f"Keras-JAX {theirs_ms:.3f} ms/step, lamina / Keras-JAX {ours_ms / theirs_ms:.2f}x; "
          f"load average {min(loads):.1f}-{max(loads):.1f}")


if __name__ == "__main__":
    main()
