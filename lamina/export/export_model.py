"""`model.export(path, format=...)`: a torch.export program (`.pt2`) or an ONNX file.

Both formats keep the batch dimension dynamic (`torch.export.Dim`), so the
exported artifact accepts any batch size, not just the example's.
"""

import os

import torch

from lamina import backend

__all__ = ["export_model", "example_inputs"]

_FORMATS = ("torch", "onnx")
_EXAMPLE_BATCH = 2  # not 0/1: torch.export specializes those sizes


def example_inputs(model, batch_size=_EXAMPLE_BATCH):
    """Random example tensors matching the model's symbolic inputs (unknown batch -> `batch_size`).

    Raises:
        ValueError: the model has no symbolic inputs or a non-batch dimension is unknown.
    """
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(
            f"Model '{model.name}' has no known input shapes to export from. Build it (call it on "
            f"data or use a Functional/Sequential model with an Input) or pass "
            f"`input_signature=` (a tuple of example tensors) to export().")
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    tensors = []
    for tensor in inputs:
        shape = list(tensor.shape)
        if any(d is None for d in shape[1:]):
            raise ValueError(
                f"Model '{model.name}': input {tensor.name!r} has unknown non-batch dimensions "
                f"{tuple(shape)}; pass `input_signature=` (example tensors) to export().")
        shape[0] = batch_size if shape[0] is None else shape[0]
        dtype = backend.to_torch_dtype(tensor.dtype)
        if dtype.is_floating_point:
            tensors.append(torch.randn(shape, dtype=dtype, device=device))
        else:
            tensors.append(torch.zeros(shape, dtype=dtype, device=device))
    return tuple(tensors)


class _Inference(torch.nn.Module):
    """The model in inference mode with positional inputs (what exporters trace)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *inputs):
        return self.model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)


def export_model(model, filepath, format="torch", input_signature=None, dynamic_batch=True, verbose=False):
    """Exports `model` for inference.

    Args:
        model: a lamina model.
        filepath: destination (`.pt2` for "torch", `.onnx` for "onnx").
        format: `"torch"` (torch.export program saved with `torch.export.save`;
            load with `torch.export.load(path).module()`) or `"onnx"`.
        input_signature: optional tuple of example tensors; default: random
            tensors from the model's input shapes.
        dynamic_batch: keep the first dimension of every input dynamic.
        verbose: print exporter progress (ONNX).

    Returns:
        The `torch.export.ExportedProgram` ("torch") or the path written ("onnx").

    Raises:
        ValueError: unknown format, or inputs that cannot be inferred.
        ImportError: ONNX export without the `onnx` extra installed.
    """
    if format not in _FORMATS:
        raise ValueError(f"Model.export: unknown format={format!r}; expected one of {list(_FORMATS)}.")
    if input_signature is None:
        args = example_inputs(model)
    else:
        args = tuple(input_signature) if isinstance(input_signature, (list, tuple)) else (input_signature,)
    wrapper = _Inference(model).eval()
    batch = torch.export.Dim("batch", min=1)
    dynamic_shapes = ({0: batch} for _ in args) if dynamic_batch else None
    dynamic_shapes = tuple(dynamic_shapes) if dynamic_shapes is not None else None
    filepath = os.fspath(filepath)
    if format == "torch":
        program = torch.export.export(wrapper, args, dynamic_shapes=(dynamic_shapes,) if dynamic_shapes else None)
        torch.export.save(program, filepath)
        return program
    for module in ("onnx", "onnxscript"):
        try:
            __import__(module)
        except ImportError as error:
            raise ImportError(
                f"Model.export(format='onnx') needs the '{module}' package: "
                f"pip install 'lamina[onnx]' (onnx, onnxruntime, onnxscript).") from error
    names = [f"input_{i}" for i in range(len(args))]
    torch.onnx.export(wrapper, args, filepath, input_names=names, output_names=["output"],
                      dynamic_shapes=(dynamic_shapes,) if dynamic_shapes else None, dynamo=True,
                      verbose=verbose)
    return filepath
