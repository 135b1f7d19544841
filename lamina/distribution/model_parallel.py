"""`ModelParallel`: variables split over a device mesh per a `LayoutMap` (torch DTensor).

Variables created while a `ModelParallel` is current (`set_distribution` or
`with distribution.scope():`) become `DTensor` parameters laid out as the
`LayoutMap` says for their path (`Shard` on the mesh axes that name a
dimension, `Replicate` elsewhere; unmatched variables are replicated), with
rank 0's initial values. Variables made outside the scope are laid out when
`fit` starts.

A layer owning such variables computes on DTensors: its plain-tensor inputs
become DTensors (split along the batch over the mesh's batch axis, replicated
over the others) and its outputs plain tensors again (this process's part of
the batch), so DTensor's sharding rules run the layer's ops with the needed
collectives and layers between stay ordinary torch code. When the batch axis has
more than one device, each process trains on its part of the global batch and
the gradients (DTensor `Partial` sums over the batch axis) are summed and
divided by the number of replicas before the optimizer step. A layer whose
sub-layers own DTensor variables (an RNN and its cell, an attention layer and
its projections) runs on DTensors as a whole; RNNs then use their step loop
(torch's fused RNN kernels have no DTensor rule).

Limits of torch 2.13's DTensor, checked: convolution kernels must stay
replicated (its convolution rule assumes replicated weights; a split one is
refused with an error); MultiHeadAttention trains only with replicated
variables, and not on CPU (no DTensor rule for the CPU attention backward); all
layer inputs are taken as batch-first.
"""

import torch

from lamina.distribution.base import Distribution
from lamina.distribution.layouts import LayoutMap, TensorLayout

__all__ = ["ModelParallel"]


class ModelParallel(Distribution):
    """Distribution that splits variables over a `DeviceMesh` as a `LayoutMap` says.

    Args:
        layout_map: `LayoutMap` from variable paths (e.g. "dense/kernel";
            keys are regular expressions) to `TensorLayout`s; its `device_mesh`
            is the mesh.
        batch_dim_name: the mesh axis the batch is split over; default: the
            mesh's first axis.
        auto_shard_dataset: split array data over the batch axis in `fit`
            (False: each process already holds its own part).

    Example:
        >>> mesh = DeviceMesh((1, 2), ["batch", "model"])          # 2 processes
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")
        >>> layout_map[".*dense.*bias"] = ("model",)
        >>> with ModelParallel(layout_map=layout_map).scope():
        ...     model = build_model()          # Dense kernels split by output units
        >>> model.fit(x, y, batch_size=32)
    """

    shards_parameters = True

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs):
        kwargs.pop("device_mesh", None)
        timeout = kwargs.pop("timeout", 300)
        if kwargs:
            raise TypeError(f"ModelParallel: unexpected argument(s) {sorted(kwargs)}; it takes layout_map, "
                            f"batch_dim_name, auto_shard_dataset (and the mesh comes from the layout_map).")
        if layout_map is None:
            raise ValueError("ModelParallel: You must specify a layout_map argument. Pass "
                             "layout_map=lamina.distribution.LayoutMap(device_mesh).")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(f"ModelParallel: Argument `layout_map` must be a `LayoutMap` instance. Received: "
                             f"layout_map={layout_map!r} (of type {type(layout_map).__name__}).")
        mesh = layout_map.device_mesh
        if batch_dim_name is not None and batch_dim_name not in mesh.axis_names:
            raise ValueError(f"ModelParallel: batch_dim_name={batch_dim_name!r} is not an axis of the mesh "
                             f"(axis_names={list(mesh.axis_names)}); use one of them.")
        from lamina.distribution.devices import init_process_group

        self.timeout = float(timeout)
        self.backend = init_process_group(timeout=self.timeout, caller="ModelParallel",
                                          backend="nccl" if mesh.device_type() == "cuda" else "gloo")
        super().__init__(mesh, batch_dim_name or mesh.axis_names[0], auto_shard_dataset)
        self._layout_map = layout_map
        if mesh.devices.size != self.world_size:
            raise ValueError(
                f"ModelParallel: the mesh has {mesh.devices.size} device(s) but this run has {self.world_size} "
                f"process(es); torch drives one device per process. Launch {mesh.devices.size} processes "
                f"(torchrun --nproc_per_node={mesh.devices.size}) or build the mesh with a shape whose product "
                f"is {self.world_size}.")
        mesh.backend_mesh  # noqa: B018 - builds torch's mesh now, on every rank together (a collective)
        self._io = _DistributedIO(self)

    @property
    def num_model_replicas(self):
        return self.device_mesh.shape[list(self.device_mesh.axis_names).index(self.batch_dim_name)]

    @property
    def averages_at_step(self):
        return self.num_model_replicas > 1

    def get_variable_layout(self, variable):
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        layout = self._layout_map[_path_of(variable)]
        if layout is not None:
            return layout
        return TensorLayout([None] * len(_keras_shape(variable)), self.device_mesh)

    def get_tensor_layout(self, path):
        return self._layout_map[path]

    # ------------------------------------------------------------------ variables

    def distribute_weight(self, layer, name, param):
        """Replaces `layer`'s parameter `name` by a DTensor parameter laid out per the layout map."""
        from torch.distributed.tensor import DTensor
        from torch.distributed.tensor import distribute_tensor as torch_distribute

        if isinstance(param, DTensor):
            return param
        layout = self.get_variable_layout(param)
        if layout.device_mesh is None:
            layout.device_mesh = self.device_mesh
        perm = getattr(param, "_keras_perm", None)
        if type(layer).__module__.startswith("lamina.layers.convolutional") and any(layout.axes):
            # torch 2.13's DTensor rule for aten.convolution assumes replicated weights: a split kernel
            # gives wrong shapes silently, so it is refused here.
            raise ValueError(
                f"ModelParallel: variable '{_path_of(param)}' of {type(layer).__name__} layer '{layer.name}' has "
                f"the split layout {layout.axes}, but torch's DTensor computes convolutions only with replicated "
                f"weights. Leave convolution variables out of the LayoutMap (they are then replicated), or "
                f"split them over the batch axis only by data parallelism.")
        placements = layout.placements(param.dim(), perm, what=f"variable '{_path_of(param)}' of shape "
                                                               f"{_keras_shape(param)}")
        mesh = self.device_mesh.backend_mesh
        with torch.no_grad():
            value = torch_distribute(param.detach().to(mesh.device_type), mesh, placements)  # rank 0's values
        new = torch.nn.Parameter(value, requires_grad=param.requires_grad)
        for attr in ("_keras_name", "_owner_path", "_keras_perm"):
            if hasattr(param, attr):
                setattr(new, attr, getattr(param, attr))
        new._layout = layout
        layer._parameters[name] = new
        self._run_on_dtensors(layer)
        return new

    def _run_on_dtensors(self, layer):
        if layer.__dict__.get("_distributed_io") is None:
            layer.__dict__["_distributed_io"] = self._io
            # Fast paths that call `layer.call` directly when a module has no hooks (as torch's own
            # `__call__` does; MultiHeadAttention's projections) then go through `forward`, which converts.
            layer.register_forward_pre_hook(_through_forward)

    def adopt_layer(self, layer):
        """Makes a built layer (not a model) run on DTensors when layers inside it own DTensor variables."""
        from lamina.models.model import Model

        if layer.__dict__.get("_distributed_io") is not None or isinstance(layer, Model):
            return
        if any(m.__dict__.get("_distributed_io") is not None for m in layer.modules() if m is not layer):
            self._run_on_dtensors(layer)

    def wrap_model(self, model):
        """Lays out the variables made outside the scope (before `fit` builds the optimizer)."""
        from lamina.layers.layer import Layer

        layers = [m for m in model.modules() if isinstance(m, Layer)]
        for module in layers:
            for name, param in list(module._parameters.items()):
                if param is not None:
                    self.distribute_weight(module, name, param)
        for module in reversed(layers):  # inner layers first, so that adoption reaches up
            self.adopt_layer(module)
        return model

    def wrap_step(self, params, step):
        """An optimizer step that first turns each gradient summed over the batch axis into the mean."""
        from torch.distributed.tensor import DTensor, Partial

        params = list(params)
        replicas = self.num_model_replicas

        def distributed_step():
            with torch.no_grad():
                for p in params:
                    g = p.grad
                    if isinstance(g, DTensor) and any(isinstance(x, Partial) for x in g.placements):
                        p.grad = g.redistribute(g.device_mesh, p.placements) / replicas
            step()

        return distributed_step


def _through_forward(module, args):
    """A forward pre-hook that changes nothing: its presence routes hook-aware fast paths through `forward`."""
    return None


def _path_of(variable):
    path = getattr(variable, "path", None)
    if isinstance(path, str):
        return path
    owner, name = getattr(variable, "_owner_path", None), getattr(variable, "_keras_name", "variable")
    return f"{owner}/{name}" if owner else name


def _keras_shape(variable):
    perm = getattr(variable, "_keras_perm", None)
    shape = tuple(variable.shape)
    if perm is None:
        return shape
    inverse = sorted(range(len(perm)), key=lambda i: perm[i])
    return tuple(shape[i] for i in inverse)


class _DistributedIO:
    """Runs a layer with DTensor variables: plain tensors in and out, DTensors inside.

    Inputs become DTensors split along dimension 0 over the batch axis (this
    process's part of the batch) and replicated over the other axes; outputs are
    redistributed that way and returned as this process's local tensor. Layers
    called inside such a layer keep DTensors (`depth`).
    """

    def __init__(self, strategy):
        self.strategy = strategy
        self.depth = 0

    def _placements(self, tensor):
        from torch.distributed.tensor import Replicate, Shard

        batch = self.strategy.batch_dim_name
        split = tensor.dim() > 0 and self.strategy.num_model_replicas > 1
        return [Shard(0) if split and name == batch else Replicate() for name in self.strategy.device_mesh.axis_names]

    def __call__(self, layer, args, kwargs):
        from torch.distributed.tensor import DTensor

        from lamina.utils import tree

        mesh = self.strategy.device_mesh.backend_mesh

        def to_dtensor(value):
            if isinstance(value, torch.Tensor) and not isinstance(value, DTensor):
                converted = DTensor.from_local(value.to(mesh.device_type), mesh, self._placements(value),
                                               run_check=False)
                return _keep_mask(value, converted, to_dtensor)
            return value

        def to_local(value):
            if isinstance(value, DTensor):
                # A mesh axis of size 1 holds the whole tensor whatever its placement: leave it (no collective).
                target = [current if mesh.size(i) == 1 else wanted for i, (current, wanted)
                          in enumerate(zip(value.placements, self._placements(value)))]
                return _keep_mask(value, value.redistribute(mesh, target).to_local(), to_local)
            return value

        args = tree.map_structure(to_dtensor, list(args))
        kwargs = {k: tree.map_structure(to_dtensor, v) for k, v in kwargs.items()}
        self.depth += 1
        try:
            outputs = layer.forward(*args, **kwargs)
        finally:
            self.depth -= 1
        return tree.map_structure(to_local, outputs)


def _keep_mask(source, target, convert):
    """Carries Keras's eager mask (`_keras_mask`, converted the same way) from `source` to `target`."""
    mask = getattr(source, "_keras_mask", None)
    if mask is not None:
        target._keras_mask = convert(mask)
    return target
