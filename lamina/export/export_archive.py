"""`ExportArchive`: Keras's multi-endpoint export, written as `torch.export` programs.

Keras writes a TensorFlow SavedModel; lamina writes a folder holding one `torch.export` program
per endpoint (`<endpoint>.pt2`, load with `torch.export.load(path).module()`), the variable
collections (`variables.pt`, plain tensors: `torch.load(..., weights_only=True)` reads it) and a
`manifest.json` naming the endpoints and their input signatures. Dimensions given as None in an
input signature stay dynamic (the first axis of every input shares one `batch` dimension).
"""

import json
import os

import torch
from torch import nn

__all__ = ["ExportArchive"]

_EXAMPLE_SIZE = 2  # torch.export specializes sizes 0 and 1


class _Endpoint(nn.Module):
    """`fn` as a module whose parameters are the tracked resources' (so they stay parameters)."""

    def __init__(self, fn, resources):
        super().__init__()
        self.resources = nn.ModuleList(resources)
        self._fn = [fn]  # a list: not an attribute nn.Module would try to register

    def forward(self, *args):
        return self._fn[0](*args)


def _spec_shape_dtype(spec, where):
    if isinstance(spec, torch.Tensor):
        return tuple(spec.shape), spec.dtype, spec
    shape = getattr(spec, "shape", None)
    if shape is None:
        raise ValueError(
            f"ExportArchive: {where} must be a keras.InputSpec, a KerasTensor (keras.Input) or an example "
            f"tensor with a shape. Received: {spec!r}."
        )
    from lamina.backend.dtypes import to_torch_dtype

    dtype = to_torch_dtype(getattr(spec, "dtype", None))
    return tuple(shape), dtype, None


class ExportArchive:
    """Collects endpoints (functions of tracked layers/models) and writes them for serving.

    Example:
        >>> archive = ExportArchive()
        >>> archive.track(model)
        >>> archive.add_endpoint("serve", model, input_signature=[lamina.InputSpec(shape=(None, 3))])
        >>> archive.write_out("exported")           # exported/serve.pt2, manifest.json
        >>> served = torch.export.load("exported/serve.pt2").module()
        >>> served(torch.randn(5, 3))
    """

    def __init__(self):
        self._tracked = []
        self._endpoints = {}
        self._collections = {}

    # ------------------------------------------------------------------ tracking

    def track(self, resource):
        """Tracks a layer or model (any `torch.nn.Module`) whose weights endpoints use."""
        if not isinstance(resource, nn.Module):
            raise ValueError(
                f"ExportArchive.track: expected a lamina Layer/Model (a torch.nn.Module). Received: {resource!r} "
                f"(of type {type(resource).__name__})."
            )
        if getattr(resource, "built", True) is False:
            raise ValueError(
                f"ExportArchive.track: layer '{getattr(resource, 'name', resource)}' is not built; call it on "
                "data (or build it) before tracking it."
            )
        if all(resource is not r for r in self._tracked):
            self._tracked.append(resource)

    @property
    def variables(self):
        return [p for r in self._tracked for p in list(r.parameters()) + list(r.buffers())]

    @property
    def trainable_variables(self):
        return [p for r in self._tracked for p in r.parameters() if p.requires_grad]

    @property
    def non_trainable_variables(self):
        return ([p for r in self._tracked for p in r.parameters() if not p.requires_grad]
                + [b for r in self._tracked for b in r.buffers()])

    def add_variable_collection(self, name, variables):
        """Saves `variables` (a list of tensors) under `name` in `variables.pt`."""
        variables = list(variables)
        if not all(isinstance(v, torch.Tensor) for v in variables):
            raise ValueError(f"ExportArchive.add_variable_collection('{name}'): expected a list of tensors/weights.")
        self._collections[name] = variables

    # ------------------------------------------------------------------ endpoints

    def add_endpoint(self, name, fn=None, input_signature=None, **kwargs):
        """Registers `fn` (a callable on tensors, e.g. a tracked model or its `call`) as endpoint `name`.

        Args:
            name: the endpoint's name (also its file name, `<name>.pt2`).
            fn: the function to export.
            input_signature: a list with one `InputSpec` / KerasTensor / example tensor per
                positional argument of `fn`; None entries in shapes stay dynamic.
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"ExportArchive.add_endpoint: `name` must be an identifier string. Received: {name!r}.")
        if name in self._endpoints:
            raise ValueError(f"ExportArchive: endpoint '{name}' already exists.")
        if fn is None or not callable(fn):
            raise ValueError(f"ExportArchive.add_endpoint('{name}'): `fn` must be a callable. Received: {fn!r}.")
        if input_signature is None:
            raise ValueError(
                f"ExportArchive.add_endpoint('{name}'): `input_signature` is required (a list of keras.InputSpec, "
                "keras.Input tensors or example tensors, one per argument of `fn`)."
            )
        if kwargs:
            raise ValueError(f"ExportArchive.add_endpoint('{name}'): unsupported arguments {sorted(kwargs)}.")
        signature = list(input_signature) if isinstance(input_signature, (list, tuple)) else [input_signature]
        specs = [_spec_shape_dtype(s, f"input_signature[{i}] of endpoint '{name}'") for i, s in enumerate(signature)]
        self._endpoints[name] = (fn, specs)
        return fn

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs):
        """`track(resource)` then `add_endpoint(name, resource, input_signature)`."""
        self.track(resource)
        return self.add_endpoint(name, resource, input_signature, **kwargs)

    # ------------------------------------------------------------------ writing

    def _export_endpoint(self, fn, specs):
        args, dynamic = [], []
        batch = torch.export.Dim("batch", min=1)
        device = next((p.device for r in self._tracked for p in r.parameters()), torch.device("cpu"))
        for index, (shape, dtype, example) in enumerate(specs):
            dims = {}
            for axis, size in enumerate(shape):
                if size is None:
                    dims[axis] = batch if axis == 0 else torch.export.Dim(f"input{index}_axis{axis}", min=1)
            if example is None:
                concrete = [_EXAMPLE_SIZE if s is None else s for s in shape]
                example = (torch.randn(concrete, dtype=dtype, device=device) if dtype.is_floating_point
                           else torch.zeros(concrete, dtype=dtype, device=device))
            args.append(example)
            dynamic.append(dims or None)
        module = _Endpoint(fn, self._tracked).eval()
        was_training = [(r, r.training) for r in self._tracked]
        try:
            for r in self._tracked:
                r.eval()
            return torch.export.export(module, tuple(args), dynamic_shapes=(tuple(dynamic),))
        finally:
            for r, mode in was_training:
                r.train(mode)

    def write_out(self, filepath, options=None, verbose=True):
        """Writes the archive to the folder `filepath` (created if needed).

        Args:
            filepath: destination folder.
            options: accepted for Keras compatibility (TensorFlow SaveOptions have no torch meaning).
            verbose: print the endpoints written.
        """
        if not self._endpoints:
            raise ValueError("ExportArchive.write_out: no endpoint was added; call add_endpoint() first.")
        filepath = os.fspath(filepath)
        os.makedirs(filepath, exist_ok=True)
        manifest = {"format": "torch.export", "endpoints": {}}
        for name, (fn, specs) in self._endpoints.items():
            program = self._export_endpoint(fn, specs)
            torch.export.save(program, os.path.join(filepath, f"{name}.pt2"))
            manifest["endpoints"][name] = {
                "file": f"{name}.pt2",
                "inputs": [{"shape": list(shape), "dtype": str(dtype).replace("torch.", "")}
                           for shape, dtype, _ in specs]}
        if self._collections:
            torch.save({k: [v.detach().cpu() for v in vs] for k, vs in self._collections.items()},
                       os.path.join(filepath, "variables.pt"))
            manifest["variable_collections"] = sorted(self._collections)
        with open(os.path.join(filepath, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
        if verbose:
            for name, info in manifest["endpoints"].items():
                print(f"Endpoint '{name}' -> {os.path.join(filepath, info['file'])} inputs={info['inputs']}")
