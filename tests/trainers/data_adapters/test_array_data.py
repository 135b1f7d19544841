"""ArrayData gathers batches from zero-copy views (lamina/trainers/data_adapters/array_data.py)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import torch

from lamina.trainers.data_adapters import ArrayData


def readonly_memmap(tmp_path, shape, dtype):
    path = tmp_path / "data.npy"
    array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    array[:] = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    array.flush()
    del array
    os.chmod(path, 0o444)
    return path, np.load(path, mmap_mode="r")


def test_float64_is_converted_per_batch_and_the_source_is_shared(tmp_path):
    x = np.random.rand(10, 3)
    data = ArrayData(x, np.arange(10), None, batch_size=4)
    assert data.x.dtype == torch.float64 and data.x.data_ptr() == x.ctypes.data  # no copy
    batches = list(data.epoch())
    assert [b[0].dtype for b in batches] == [torch.float32] * 3
    np.testing.assert_allclose(torch.cat([b[0] for b in batches]).numpy(), x.astype(np.float32))


def test_shuffled_batches_are_one_permutation_per_epoch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    torch.manual_seed(3)
    perm = torch.randperm(10)
    torch.manual_seed(3)
    batches = list(ArrayData(x, x[:, 0], None, batch_size=4, shuffle=True).epoch())
    got = torch.cat([b[0] for b in batches])[:, 0]
    assert got.tolist() == perm.float().tolist()


def test_read_only_memmap_trains_without_copying_or_writing(tmp_path):
    path, x = readonly_memmap(tmp_path, (12, 3), np.float32)
    before = path.read_bytes()
    data = ArrayData(x, np.zeros(12, np.float32), None, batch_size=5)
    assert data.x.data_ptr() == x.ctypes.data  # the mapped file itself, not a copy
    for bx, by, _ in list(data.epoch()) + [data.first_batch()]:
        bx.add_(1)  # batches are the model's to modify: never views of the read-only mapping
    assert path.read_bytes() == before


def test_fit_on_a_memmap_does_not_copy_the_whole_array(tmp_path):
    # 64 MB of float64 on disk: a whole-array copy (or float32 conversion) would add 32-64 MB of
    # anonymous memory; batches of 256 rows add well under 10 MB.
    path, _ = readonly_memmap(tmp_path, (8192, 1024), np.float64)
    script = textwrap.dedent(f"""
        import threading, time
        import numpy as np, lamina as keras
        def anon_kb():
            for line in open("/proc/self/status"):
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
        x = np.load({str(path)!r}, mmap_mode="r")
        y = np.zeros((len(x), 1), np.float32)
        model = keras.Sequential([keras.Input((1024,)), keras.layers.Dense(4), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x[:512], y[:512], batch_size=256, verbose=0)  # warm up torch's allocator and kernels
        before = anon_kb()
        peak, done = [before], threading.Event()
        def sample():  # the peak: a whole-array copy freed at the end of fit must still be seen
            while not done.is_set():
                peak[0] = max(peak[0], anon_kb())
                time.sleep(0.002)
        sampler = threading.Thread(target=sample)
        sampler.start()
        model.fit(x, y, batch_size=256, epochs=1, verbose=0)
        model.evaluate(x, y, batch_size=256, verbose=0)
        done.set()
        sampler.join()
        print("GROWTH_MB", (peak[0] - before) / 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240,
                         env={**os.environ, "LAMINA_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    growth = float(out.stdout.split("GROWTH_MB")[1])
    assert growth < 24, f"fit on a 64 MB memmap grew anonymous memory by {growth:.1f} MB"
