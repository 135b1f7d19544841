"""Compiles a traced training step into an AOTInductor package: in a child process, or in-process.

Run as a script by `capture_cache.BackgroundCompile` (it imports nothing from lamina, so the child
starts with torch alone):

    python lamina/trainers/capture_worker.py GRAPH_FILE PACKAGE_PATH THREADS [SLOT_LOCK]

`GRAPH_FILE` holds the pickled `(graph, input_specs)`: the `make_fx` graph of the step (aten ops only)
and one `(shape, stride, dtype, device)` per input. The package is written to a temporary name and
renamed into place, so a reader never sees half a file; exit status 0 means it is there. On a
failure the error is written to `PACKAGE_PATH.failed` (later runs do not try again) and the exit
status is non-zero. The graph file, the package's lock and the machine's compile slot
(`SLOT_LOCK`) are removed in either case.

Why a package rather than inductor's own cache: loading an AOTInductor package is one `dlopen`
(~3 ms), while a cache hit through `torch.compile`'s machinery costs ~1-2 s per process (importing
inductor, probing the CPU's vector ISA with test compiles, re-hashing torch's sources, preparing the
C++ wrapper's headers): more than a short `fit` of a small model takes altogether.
"""

import os
import pickle
import sys

__all__ = ["compile_package", "example_inputs"]


def example_inputs(specs):
    """Tensors of the traced inputs' shapes, strides, dtypes and devices (values do not matter:
    export traces with fake tensors; integers are zeros so that any index is valid)."""
    import torch

    out = []
    for shape, stride, dtype, device in specs:
        tensor = torch.empty_strided(shape, stride, dtype=dtype, device=device)
        out.append(tensor.normal_() if tensor.is_floating_point() else tensor.zero_())
    return out


def compile_package(graph, inputs, path):
    """Exports `graph` (a `make_fx` GraphModule of aten ops) and compiles it with AOTInductor into
    the package `path` (written under a temporary name, then renamed)."""
    import torch
    import torch._higher_order_ops.triton_kernel_wrap  # noqa: F401 - needed by export's tracer
    from torch._inductor import config as inductor_config

    exported = torch.export.export(graph, tuple(inputs), strict=False)
    partial = f"{path[:-len('.pt2')]}.{os.getpid()}.partial.pt2"  # AOTInductor wants the suffix
    # fallback_random: random ops (Dropout) call torch's own generator, as the eager step does.
    with inductor_config.patch(fallback_random=True):
        torch._inductor.aoti_compile_and_package(exported, package_path=partial)
    os.replace(partial, path)


def main(argv):
    graph_file, path, threads = argv[1], argv[2], int(argv[3])
    locks = [path + ".lock"] + argv[4:5]
    try:
        os.nice(10)  # compile beside the training process, not instead of it
    except OSError:
        pass
    import torch
    import torch._higher_order_ops.triton_kernel_wrap  # noqa: F401 - unpickling the graph traces it again

    # The compiled kernels are generated for this thread count: the one the step will run with.
    torch.set_num_threads(threads)
    try:
        with open(graph_file, "rb") as handle:
            graph, specs = pickle.load(handle)
        compile_package(graph, example_inputs(specs), path)
        try:
            os.remove(path + ".log")  # the compiler's chatter; kept only when something failed
        except OSError:
            pass
    except BaseException as error:
        # Remembered, so that later runs do not start the same failing compile again.
        with open(path + ".failed", "w") as handle:
            handle.write(f"{type(error).__name__}: {error}\n")
        raise
    finally:
        # The parent may have exited: the child cleans up after itself.
        for name in [graph_file, *locks]:
            try:
                os.remove(name)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
