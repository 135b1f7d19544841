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


def test_shuffled_order_is_torch_randperm_and_leaves_the_generator_where_int64_would():
    # The epoch's permutation is drawn as int32 on CPU: the same order, and the same generator state after it.
    x = np.arange(1000, dtype=np.float32).reshape(1000, 1)
    torch.manual_seed(7)
    perm = torch.randperm(1000)
    after = torch.rand(3)
    torch.manual_seed(7)
    batches = list(ArrayData(x, x[:, 0].astype(np.int64), None, batch_size=64, shuffle=True).epoch())
    assert torch.equal(torch.rand(3), after)
    got = torch.cat([b[0] for b in batches])[:, 0]
    assert got.tolist() == perm.float().tolist()
    assert torch.equal(torch.cat([b[1] for b in batches]), perm)  # y gathered with the same rows


def test_shuffled_general_structures_float64_and_sample_weights():
    # Not the (x, y) fast path: dict inputs, float64 converted per batch, sample weights, string arrays.
    n = 50
    x = {"a": np.arange(n, dtype=np.float64).reshape(n, 1), "b": np.arange(n, dtype=np.int64) * 2,
         "s": np.array([str(i) for i in range(n)], dtype=object)}
    y, sw = np.arange(n, dtype=np.float32), np.arange(n, dtype=np.float32) / 10
    torch.manual_seed(1)
    perm = torch.randperm(n)
    torch.manual_seed(1)
    batches = list(ArrayData(x, y, sw, batch_size=16, shuffle=True).epoch())
    assert [b[0]["a"].dtype for b in batches] == [torch.float32] * 4
    a = torch.cat([b[0]["a"][:, 0] for b in batches])
    assert a.tolist() == perm.float().tolist()
    assert torch.cat([b[0]["b"] for b in batches]).tolist() == (perm * 2).tolist()
    assert np.concatenate([b[0]["s"] for b in batches]).tolist() == [str(int(i)) for i in perm]
    assert torch.allclose(torch.cat([b[2] for b in batches]), perm.float() / 10)


def test_steps_beyond_one_pass_cycle_through_the_same_permutation():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    torch.manual_seed(0)
    perm = torch.randperm(10)
    torch.manual_seed(0)
    batches = list(ArrayData(x, x[:, 0], None, batch_size=4, shuffle=True).epoch(steps=5))
    assert [len(b[0]) for b in batches] == [4, 4, 2, 4, 4]
    assert torch.cat([b[0] for b in batches])[:, 0].tolist() == perm.float().tolist() + perm[:8].float().tolist()


def test_strided_views_of_a_memmap_are_not_copied(tmp_path):
    # A column slice (or every other row) of a read-only memmap: viewed in place, batches contiguous copies.
    path, full = readonly_memmap(tmp_path, (40, 6), np.float32)
    before = path.read_bytes()
    for view in (full[:, :4], full[::2]):
        data = ArrayData(view, np.zeros(len(view), np.float32), None, batch_size=8)
        assert data.x.data_ptr() == view.ctypes.data  # the mapped file itself
        batches = list(data.epoch()) + [data.first_batch()]
        for bx, _, _ in batches:
            assert bx.is_contiguous()
            bx.add_(1)  # the model's to modify
        np.testing.assert_array_equal(torch.cat([b[0] for b in batches[:-1]]).numpy() - 1, view)
        torch.manual_seed(0)
        perm = torch.randperm(len(view))
        torch.manual_seed(0)
        shuffled = torch.cat([b[0] for b in ArrayData(view, None, None, batch_size=8, shuffle=True).epoch()])
        np.testing.assert_array_equal(shuffled.numpy(), np.asarray(view)[perm.numpy()])
    assert path.read_bytes() == before


def test_arrays_torch_cannot_view_are_copied_once():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)[::-1]  # negative stride
    data = ArrayData(x, np.zeros(6, np.float32), None, batch_size=4)
    np.testing.assert_array_equal(torch.cat([b[0] for b in data.epoch()]).numpy(), x)
