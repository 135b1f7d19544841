"""`DeviceMesh`, `TensorLayout` and `LayoutMap`, and their torch forms.

- `DeviceMesh(shape, axis_names, devices)` becomes a
  `torch.distributed.device_mesh.DeviceMesh` over the ranks that drive the
  devices (device "cpu:3" is rank 3), with `mesh_dim_names=axis_names`.
- `TensorLayout(axes)` gives one name (or None) per tensor dimension; its torch
  form is one DTensor placement per *mesh* dimension: `Shard(d)` where mesh axis
  `a` names tensor dimension `d`, `Replicate()` where no dimension names it.
- `LayoutMap` maps variable paths ("dense/kernel") to layouts; keys are regular
  expressions matched against the whole path (`re.fullmatch`), as in Keras.
"""

import collections
import math
import re

import numpy as np

__all__ = ["DeviceMesh", "LayoutMap", "TensorLayout"]


class DeviceMesh:
    """A grid of devices with named axes (torch's `DeviceMesh`).

    Args:
        shape: tuple of ints, e.g. `(8,)` for data parallelism only or `(2, 4)`
            for 2-way data times 4-way model parallelism.
        axis_names: one name per axis, e.g. `("batch", "model")`.
        devices: the devices, e.g. `["cpu:0", "cpu:1"]` or `["cuda:0", ...]`;
            defaults to `lamina.distribution.list_devices()` (in a process
            group: one device per process, numbered by rank).

    Example:
        >>> mesh = DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
        >>> mesh.devices.shape
        (1, 2)
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(f"DeviceMesh: Shape and axis_names cannot be empty. Received: shape={shape}, "
                             f"axis_names={axis_names}. Give e.g. shape=(2,), axis_names=['batch'].")
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: Shape and axis_names should have same size (one name per axis). "
                             f"Received: shape={shape}, axis_names={axis_names}.")
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"DeviceMesh: axis_names must be distinct; received axis_names={axis_names}.")
        if devices is None:
            from lamina.distribution.devices import list_devices

            devices = list_devices()
        devices = np.array(devices)
        if math.prod(shape) != math.prod(devices.shape):
            raise ValueError(
                f"DeviceMesh: Shape does not match the number of devices. Received: shape={shape} "
                f"({math.prod(shape)} devices); devices.shape={devices.shape} ({devices.size} devices). "
                f"Use a shape whose product is {devices.size}, or pass that many devices (torch runs one "
                f"process per device: launch N processes with torchrun --nproc_per_node=N).")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    @property
    def backend_mesh(self):
        """The `torch.distributed.device_mesh.DeviceMesh` (built on first use, a collective on every rank)."""
        if getattr(self, "_backend_mesh", None) is None:
            self._backend_mesh = _to_torch_mesh(self)
        return self._backend_mesh

    def ranks(self):
        """The rank driving each device, in the mesh's shape (numpy int array)."""
        return np.vectorize(lambda d: _parse_device(d)[1], otypes=[np.int64])(self._devices)

    def device_type(self):
        """"cpu" or "cuda" (all devices of a mesh have one type)."""
        kinds = {_parse_device(d)[0] for d in self._devices.flat}
        if len(kinds) != 1:
            raise ValueError(f"DeviceMesh: all devices must have one type; received types {sorted(kinds)} in "
                             f"devices={self._devices.tolist()}.")
        return kinds.pop()

    def __repr__(self):
        return f"<{type(self).__name__} shape={self.shape}, axis_names={self.axis_names}>"

    __str__ = __repr__


def _parse_device(device):
    """("cpu" | "cuda", index) for "cpu:1", "gpu:0", "cuda:2", "cpu" or a torch.device."""
    text = str(device)
    kind, _, index = text.partition(":")
    kind = {"gpu": "cuda"}.get(kind.lower(), kind.lower())
    if kind not in ("cpu", "cuda") or (index and not index.isdigit()):
        raise ValueError(f"DeviceMesh: cannot read device {device!r}; use Keras's device strings such as "
                         f"'cpu:0', 'gpu:1' or 'cuda:1' (see lamina.distribution.list_devices()).")
    return kind, int(index or 0)


def _to_torch_mesh(mesh):
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import DeviceMesh as TorchDeviceMesh

    from lamina.distribution.devices import init_process_group

    kind = mesh.device_type()
    ranks = mesh.ranks()
    init_process_group(backend="nccl" if kind == "cuda" else "gloo", caller="DeviceMesh")
    world, rank = dist.get_world_size(), dist.get_rank()
    if ranks.max() >= world or len(set(ranks.flat)) != ranks.size:
        raise ValueError(
            f"DeviceMesh: devices {mesh.devices.flatten().tolist()} do not name distinct processes of this "
            f"run, which has {world} process(es) (devices {kind}:0..{kind}:{world - 1}, one per rank). Launch "
            f"{ranks.size} processes (torchrun --nproc_per_node={ranks.size}) or build the mesh from "
            f"lamina.distribution.list_devices().")
    if rank not in set(ranks.flat):
        raise ValueError(f"DeviceMesh: this process (rank {rank}) drives none of the mesh's devices "
                         f"{mesh.devices.flatten().tolist()}; every process must be part of the mesh.")
    return TorchDeviceMesh(kind, torch.as_tensor(ranks), mesh_dim_names=tuple(mesh.axis_names))


class TensorLayout:
    """How a tensor is laid out over a `DeviceMesh` (DTensor placements).

    Args:
        axes: one entry per tensor dimension: a mesh axis name (that dimension
            is split over the mesh axis) or None (not split).
        device_mesh: the `DeviceMesh`; may be set later (once).

    Example:
        >>> layout = TensorLayout((None, "model"), mesh)  # a Dense kernel split by output units
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(f"TensorLayout: Cannot override device mesh value. Existing value is "
                             f"{self._device_mesh}; create a new TensorLayout for another mesh.")
        self._device_mesh = device_mesh
        self._validate_axes()

    def _validate_axes(self):
        named = [a for a in self._axes if a is not None]
        if len(set(named)) != len(named):
            raise ValueError(f"TensorLayout: each mesh axis may split at most one tensor dimension; received "
                             f"axes={self._axes}.")
        if self._device_mesh:
            valid = set(self._device_mesh.axis_names)
            unknown = set(named) - valid
            if unknown:
                raise ValueError(
                    f"TensorLayout: Invalid axis names for Layout. Valid axis names: {sorted(valid)}, Got "
                    f"{sorted(unknown)} (axes={self._axes}). Use the mesh's axis_names, or None for a "
                    f"dimension that is not split.")

    def placements(self, ndim, perm=None, what="tensor"):
        """torch DTensor placements (one per mesh axis) for a tensor of rank `ndim`.

        Args:
            ndim: the tensor's rank; must equal `len(axes)`.
            perm: for a weight stored in torch layout, the permutation from its
                Keras layout (`axes` are in Keras layout).
            what: the tensor's name for error messages.
        """
        from torch.distributed.tensor import Replicate, Shard

        if self._device_mesh is None:
            raise ValueError(f"TensorLayout: the layout of {what} has no device_mesh; pass "
                             f"TensorLayout(axes, device_mesh) or add it to a LayoutMap(device_mesh).")
        if len(self._axes) != ndim:
            raise ValueError(
                f"TensorLayout: the layout axes={self._axes} has rank {len(self._axes)} but {what} has rank "
                f"{ndim}; give one entry (a mesh axis name or None) per dimension.")
        placements = []
        for name in self._device_mesh.axis_names:
            if name in self._axes:
                dim = self._axes.index(name)
                placements.append(Shard(list(perm).index(dim) if perm is not None else dim))
            else:
                placements.append(Replicate())
        return placements

    def __repr__(self):
        return f"<{type(self).__name__} axes={self.axes}, device_mesh={self.device_mesh}>"

    __str__ = __repr__


class LayoutMap(collections.abc.MutableMapping):
    """Maps variable paths to `TensorLayout`s; keys are regular expressions.

    A lookup first tries the exact key, then every key as a regex that must
    match the whole path (`re.fullmatch`); a path matching several keys is an
    error, no match gives None (the variable is replicated).

    Args:
        device_mesh: the `DeviceMesh` given to layouts inserted without one.

    Example:
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")   # a tuple becomes a TensorLayout
        >>> layout_map["dense_1/kernel"].axes
        (None, 'model')
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        if key in self._layout_map:
            return self._layout_map[key]
        matching = [pattern for pattern in self._layout_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"LayoutMap: Path '{key}' matches multiple layout specification keys: {matching}. "
                             f"Please make sure each tensor/variable path only matches at most one layout "
                             f"specification key in the LayoutMap.")
        return self._layout_map[matching[0]] if matching else None

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(f"LayoutMap: {key} already exist in the LayoutMap with value "
                             f"{self._layout_map[key]}. Please make sure to not use duplicated keys.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"LayoutMap: {layout} should be a TensorLayout type, got {type(layout)} (for key "
                             f"{key!r}); give a TensorLayout or a tuple of axis names and None.")
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        return self._device_mesh


LayoutMap.get.__doc__ = LayoutMap.__getitem__.__doc__
