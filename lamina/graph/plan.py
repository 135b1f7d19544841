"""The execution plan of a Functional model, computed once at construction.

Every node becomes one small step closure that reads its inputs from a flat
list of slots and writes its outputs back. Running the model is a loop over
the steps: no graph walking, no signature binding, no structure flattening per
call. Slots whose value is no longer needed are released as soon as possible.
"""

from lamina.graph.keras_tensor import KerasTensor
from lamina.utils import tree

__all__ = ["Plan"]


class _Slot:
    """Placeholder for a runtime value inside a node's argument template."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _fill(template, values):
    if isinstance(template, _Slot):
        return values[template.index]
    if isinstance(template, list):
        return [_fill(t, values) for t in template]
    if isinstance(template, tuple):
        return tuple(_fill(t, values) for t in template)
    if isinstance(template, dict):
        return {k: _fill(t, values) for k, t in template.items()}
    return template


def _annotate(error, node, model_name):
    """Adds which layer of which model failed, and where its inputs came from."""
    if getattr(error, "_lamina_annotated", False):
        return
    sources = []
    for tensor in node.input_tensors:
        history = tensor._keras_history
        if history is not None:
            sources.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}] "
                           f"(symbolic shape {tensor.shape})")
    note = (f"Raised by layer '{node.operation.name}' ({type(node.operation).__name__}) while running "
            f"model '{model_name}'" + (f"; its inputs came from {', '.join(sources)}." if sources else "."))
    try:
        error.add_note(note)
        error._lamina_annotated = True
    except AttributeError:  # Python 3.10: no add_note
        pass


class Plan:
    """Runs a list of nodes between flat input and output tensors.

    Args:
        inputs: flat list of input KerasTensors.
        outputs: flat list of output KerasTensors.
        nodes: the graph's nodes; input nodes are skipped.
        model_name: used in error notes.
    """

    def __init__(self, inputs, outputs, nodes, model_name):
        self._source = (inputs, outputs, nodes, model_name)
        slots = {}

        def slot_of(tensor):
            if id(tensor) not in slots:
                slots[id(tensor)] = len(slots)
            return slots[id(tensor)]

        for tensor in inputs:
            slot_of(tensor)
        self.input_slots = [slots[id(t)] for t in inputs]
        self._model_name = model_name
        ordered = _topological(nodes, inputs)
        templates = []
        for node in ordered:
            args = tree.map_structure(lambda v: _Slot(slot_of(v)) if isinstance(v, KerasTensor) else v,
                                      list(node.call_args))
            call_kwargs = dict(node.call_kwargs)
            if node.implicit_mask is not None:
                call_kwargs["mask"] = node.implicit_mask
            kwargs = tree.map_structure(lambda v: _Slot(slot_of(v)) if isinstance(v, KerasTensor) else v,
                                        call_kwargs)
            out_slots = [slot_of(t) for t in node.flat_outputs]
            mask_slots = [slot_of(t._keras_mask) if getattr(t, "_keras_mask", None) is not None else None
                          for t in node.flat_outputs]
            # Where compute_mask's input mask comes from when the call has no `mask=` argument.
            mask_source = None
            if "mask" not in kwargs and node.input_mask is not None and any(m is not None for m in mask_slots):
                mask_source = tree.map_structure(
                    lambda v: _Slot(slot_of(v)) if isinstance(v, KerasTensor) else v, node.input_mask)
            templates.append((node, args, kwargs, out_slots, mask_slots, mask_source))
        self.output_slots = [slot_of(t) for t in outputs]
        self.num_slots = len(slots)

        # Release each intermediate value right after its last reader.
        last_use = {}
        for index, (_, args, kwargs, _, _, mask_source) in enumerate(templates):
            for leaf in tree.flatten([args, kwargs, mask_source]):
                if isinstance(leaf, _Slot):
                    last_use[leaf.index] = index
        keep = set(self.output_slots)
        frees = [[] for _ in templates]
        for slot, index in last_use.items():
            if slot not in keep:
                frees[index].append(slot)
        self.steps = [self._make_step(*t, frees[i]) for i, t in enumerate(templates)]

    def _make_step(self, node, args, kwargs, out_slots, mask_slots, mask_source, free):
        layer = node.operation
        model_name = self._model_name
        has_masks = any(m is not None for m in mask_slots)
        free = tuple(free)
        single_out = len(out_slots) == 1 and isinstance(node.outputs, KerasTensor)
        if (not has_masks and single_out and not kwargs and len(args) == 1
                and isinstance(args[0], _Slot)):
            # The common case: one tensor in, one tensor out.
            source, target = args[0].index, out_slots[0]

            def simple_step(values):
                try:
                    values[target] = layer(values[source])
                except Exception as error:
                    _annotate(error, node, model_name)
                    raise
                for slot in free:
                    values[slot] = None

            return simple_step

        structure = node.outputs

        def general_step(values):
            call_args = _fill(args, values)
            try:
                result = layer(*call_args, **_fill(kwargs, values))
                flat = [result] if single_out else tree.flatten(result)
                for slot, value in zip(out_slots, flat):
                    values[slot] = value
                if has_masks:
                    first = call_args[0] if call_args else None
                    first_mask = _fill(kwargs["mask"] if "mask" in kwargs else mask_source, values)
                    masks = layer.compute_mask(first, first_mask)
                    flat_masks = tree.flatten(masks) if tree.is_nested(masks) else [masks] * len(mask_slots)
                    for slot, mask in zip(mask_slots, flat_masks):
                        if slot is not None:
                            values[slot] = mask
            except Exception as error:
                _annotate(error, node, model_name)
                raise
            for slot in free:
                values[slot] = None

        del structure
        return general_step

    def __reduce__(self):
        # The steps are closures (fast to call, impossible to pickle): a copied or unpickled model
        # plans its graph again from the same nodes.
        return (Plan, self._source)

    def run(self, flat_inputs):
        """Runs every step; returns the flat list of output values."""
        values = [None] * self.num_slots
        for slot, value in zip(self.input_slots, flat_inputs):
            values[slot] = value
        for step in self.steps:
            step(values)
        return [values[slot] for slot in self.output_slots]


def _topological(nodes, inputs):
    """Non-input nodes ordered so that every node runs after the nodes it reads from.

    Kahn's algorithm: each node counts the distinct tensors it still waits for; producing a
    tensor decrements its readers' counts. Linear in nodes plus edges (the former repeated
    sweeps were quadratic: seconds for the ~1000-layer NASNetLarge). Among ready nodes the one
    earliest in `nodes` runs first, so an already ordered list keeps its order.
    """
    import heapq

    input_ids = {id(t) for t in inputs}
    pending = [n for n in nodes if not (n.is_input or all(id(t) in input_ids for t in n.flat_outputs))]
    waiting = [0] * len(pending)
    readers = {}  # id(tensor) -> indices of pending nodes reading it
    for index, node in enumerate(pending):
        needed = {id(t) for t in node.input_tensors}
        needed.update(id(t) for t in tree.flatten(node.implicit_mask) if isinstance(t, KerasTensor))
        needed -= input_ids
        waiting[index] = len(needed)
        for key in needed:
            readers.setdefault(key, []).append(index)
    ready = [index for index, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    produced = set()
    ordered = []
    while ready:
        index = heapq.heappop(ready)
        node = pending[index]
        ordered.append(node)
        outputs = [id(t) for t in node.flat_outputs]
        outputs += [id(t._keras_mask) for t in node.flat_outputs if getattr(t, "_keras_mask", None) is not None]
        for key in outputs:
            if key in produced or key in input_ids:
                continue
            produced.add(key)
            for reader in readers.get(key, ()):
                waiting[reader] -= 1
                if waiting[reader] == 0:
                    heapq.heappush(ready, reader)
    if len(ordered) < len(pending):
        names = [node.operation.name for index, node in enumerate(pending) if waiting[index] > 0]
        raise ValueError(f"Could not order the graph's layers {names}: an input of theirs is never "
                         f"computed.")
    return ordered
