"""Model configs in Keras 3's format: Functional, Sequential and subclassed, both ways.

`functional_to_config` writes exactly what Keras's `Functional.get_config`
writes (layers with `name` and `inbound_nodes`, `input_layers` /
`output_layers` in the structure of the model's inputs and outputs, node
indices counted among the calls that belong to this model). Keras 3.15's
`get_config` has code to shift a nested Functional model's node indices by +1,
but the indices it actually writes come from the tensors' own history and are
not shifted; its loader checks them unshifted too. Files are written and read
the way Keras really does it (checked against Keras 3.15.1 loading lamina files
and vice versa). `model_from_config` rebuilds
models from such configs, whether lamina or Keras wrote them.
"""

import collections
import contextlib
import contextvars
import inspect
import json

from lamina.saving.class_registry import builtin_classes, find_missing_classes, resolve_class
from lamina.saving.errors import LoadError, MissingClassError, SavingError, short_repr
from lamina.saving.node_config import deserialize_node_value, serialize_node_value
from lamina.saving.ops_config import is_op_entry, op_call_args, serialize_torch_op, torch_op_from_entry
from lamina.saving.registration import get_registered_name

__all__ = ["functional_to_config", "sequential_to_config", "serialize_layer", "deserialize_layer",
           "model_from_config", "MAX_LAYERS"]

# Keras records every layer call's resolved `training` in the node, filling in the call's default
# (`Dropout(...)(x)` is written with `training: false`); at run time Keras lets the model's own
# `training` override it. lamina treats node arguments as explicit, so while reading a file Keras
# wrote, recorded values equal to the call's default are dropped (`training: false` for most
# layers, `true` for augmentation layers): fit then trains Dropout/BatchNormalization and predict
# leaves augmentation off, as Keras does. lamina writes `training` only where the user passed it, and keeps it.
_KERAS_WRITTEN = contextvars.ContextVar("lamina_keras_written", default=False)


@contextlib.contextmanager
def reading_keras_written_config():
    """Within this block, configs are read as Keras 3 wrote them (see `_KERAS_WRITTEN`)."""
    token = _KERAS_WRITTEN.set(True)
    try:
        yield
    finally:
        _KERAS_WRITTEN.reset(token)


# Layer and operation entries one config may hold, nested models included. The largest Keras
# application models list about 1,000; rebuilding takes about a millisecond per entry, so this
# bounds a hostile file's cost to seconds. Raise it for a real model with more.
MAX_LAYERS = 5_000


def _jsonable(value):
    """Tuples to lists (as JSON would), so configs compare equal before and after a file."""
    return json.loads(json.dumps(value))


def _class_identity(layer):
    """(module, class_name, registered_name) as Keras records them."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    cls = type(layer)
    if issubclass(cls, Functional) and cls.__bases__[-1] is Functional and len(cls.__bases__) == 2:
        # `class M(Model)` calling Model.__init__(inputs, outputs) becomes a made-up subclass of
        # (M, Functional) at run time; the file must name M itself.
        cls = cls.__bases__[0]
    if cls is Functional:
        return "keras.src.models.functional", "Functional", "Functional"
    if cls is Sequential:
        return "keras", "Sequential", None
    if builtin_classes().get(cls.__name__) is cls:
        # Keras classes exported outside keras.layers (keras.utils.FeatureSpace) name their module.
        return getattr(cls, "_keras_module", "keras.layers"), cls.__name__, getattr(cls, "_keras_registered_name", None)
    module = cls.__module__
    return (None if module == "__main__" else module), cls.__name__, get_registered_name(cls)


def serialize_layer(layer) -> dict:
    """`{"module", "class_name", "config", "registered_name", "build_config"?}` of a layer or model."""
    from lamina.layers.core.torch_op import TorchOp
    from lamina.models.functional import Functional

    if isinstance(layer, TorchOp):
        return serialize_torch_op(layer)
    module, class_name, registered = _class_identity(layer)
    try:
        config = layer.get_config()
    except NotImplementedError as error:
        raise SavingError(f"Cannot save layer '{layer.name}' ({class_name}): {error}") from error
    entry = {"module": module, "class_name": class_name, "config": _jsonable(config),
             "registered_name": registered}
    if isinstance(layer, Functional):
        entry["build_config"] = {"input_shape": None}
    else:
        build_config = layer.get_build_config()
        if build_config is not None:
            build_config = _jsonable(build_config)
            if isinstance(build_config.get("shapes_dict"), dict):
                # Keras records only the tensor arguments actually passed (no `key_shape: None`).
                build_config["shapes_dict"] = {k: v for k, v in build_config["shapes_dict"].items()
                                               if v is not None}
            entry["build_config"] = build_config
    return entry


def functional_to_config(model) -> dict:
    """The `config` of a Functional model, as Keras 3 writes it."""
    model_nodes = {id(node) for node in model._graph_nodes}
    reindex = {}
    for layer in model.layers:
        kept = 0
        for node in layer._inbound_nodes:
            if id(node) in model_nodes:
                reindex[id(node)] = kept
                kept += 1

    def tensor_config(tensor):
        history = tensor._keras_history
        node = history.operation._inbound_nodes[history.node_index]
        return [history.operation.name, reindex[id(node)], history.tensor_index]

    layer_configs = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) not in model_nodes or node.is_input:
                continue
            where = f"layer '{layer.name}' in model '{model.name}'"
            args = op_call_args(layer, node.call_args) if (entry["module"] or "").startswith("keras.src.ops") \
                else node.call_args
            # A symbolic tensor no layer produced is a mask that travelled beside its tensor
            # (MultiHeadAttention's query_mask, ...): rebuilding the graph derives it again from
            # the inputs, in lamina and in Keras, so it is not written.
            kwargs = {k: v for k, v in node.call_kwargs.items()
                      if not (hasattr(v, "_keras_history") and v._keras_history is None)}
            kwargs.update(getattr(node, "keras_recorded_kwargs", {}))
            if getattr(node, "keras_written_form", None) is not None:
                args, named = layer.written_call(args, node.keras_written_form)
                kwargs.update(named)
            nodes.append({"args": serialize_node_value(list(args), tensor_config, where),
                          "kwargs": serialize_node_value(kwargs, tensor_config, where)})
        entry["inbound_nodes"] = nodes
        layer_configs.append(entry)

    def structure(value):
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [structure(v) for v in value]
        return tensor_config(value)

    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": structure(model._inputs_struct), "output_layers": structure(model._outputs_struct)}


def sequential_to_config(model) -> dict:
    """The `config` of a Sequential model, as Keras 3 writes it (InputLayer first when known)."""
    from lamina.layers.layer import Layer

    config = Layer.get_config(model)
    config.pop("activity_regularizer", None)
    layers = ([model._input_layer] if model._input_layer is not None else []) + list(model.layers)
    config["layers"] = [serialize_layer(layer) for layer in layers]
    if model._input_layer is not None:
        config["build_input_shape"] = list(model._input_layer.batch_shape)
    return _jsonable(config)


# ---------------------------------------------------------------------------- loading

def _call_from_config(cls, config, custom_objects, safe_mode):
    """`cls.from_config(config)`, passing custom_objects/safe_mode to loaders that accept them."""
    from_config = cls.from_config
    try:
        params = inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs = {}
    if "custom_objects" in params:
        kwargs["custom_objects"] = custom_objects
    if "safe_mode" in params:
        kwargs["safe_mode"] = safe_mode
    return from_config(config, **kwargs)


def deserialize_layer(entry, custom_objects=None, safe_mode=None):
    """Rebuilds one layer (or model) from its config entry, building it from `build_config`."""
    from lamina.layers.layer import Layer
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise LoadError(f"A layer entry in the config is malformed (expected a dict with 'class_name'): "
                        f"{short_repr(entry)}.")
    if is_op_entry(entry):
        return torch_op_from_entry(entry)
    class_name = entry["class_name"]
    config = entry.get("config")
    if not isinstance(config, dict):
        raise LoadError(f"The config of layer class {class_name!r} must be a dict, received "
                        f"{type(config).__name__}.")
    cls = resolve_class(entry.get("module"), class_name, entry.get("registered_name"), custom_objects, safe_mode)
    if cls is None:
        find_missing_classes({"layers": [entry]}, custom_objects, safe_mode)
        from lamina.saving.safe_mode import how_to_allow

        raise MissingClassError(f"Unknown layer class {class_name!r} (module {entry.get('module')!r}). "
                                + how_to_allow(entry.get("registered_name") or class_name))
    if not (inspect.isclass(cls) and issubclass(cls, Layer)):
        raise LoadError(f"{class_name!r} resolves to {cls!r}, which is not a lamina Layer or Model.")
    name = config.get("name", class_name)
    try:
        if cls is Functional or (issubclass(cls, Functional) and "layers" in config
                                 and "from_config" not in cls.__dict__):
            return functional_from_config(config, custom_objects, safe_mode, cls=Functional)
        if cls is Sequential:
            layer = sequential_from_config(config, custom_objects, safe_mode)
        else:
            layer = _call_from_config(cls, dict(config), custom_objects, safe_mode)
        build_config = entry.get("build_config")
        if isinstance(build_config, dict) and not layer.built:
            layer.build_from_config(_shapes(build_config))
    except LoadError:
        raise
    except Exception as error:  # any failure of user/third-party code becomes one clear error
        raise LoadError(
            f"Could not rebuild layer '{name}' ({class_name}) from its config: "
            f"{type(error).__name__}: {error}"
        ) from error
    return layer


def _shapes(build_config):
    """build_config shapes (`input_shape`, `shapes_dict`) validated as ints/None (absurd or negative
    sizes are refused). Other keys, which a custom layer's `get_build_config` may add (keras.io's
    serialization guide stores an initializer name), are plain JSON data and pass unchanged."""
    def check(value, depth=0):
        if depth > 32:
            raise LoadError("A build_config shape is nested too deeply; the file is corrupt.")
        if isinstance(value, dict):
            return {k: check(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [check(v, depth + 1) for v in value]
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 31):
            return value
        raise LoadError(f"Invalid dimension {short_repr(value)} in build_config {short_repr(build_config)}.")
    return {key: check(value) if key in ("input_shape", "shapes_dict") else value
            for key, value in build_config.items()}


class _NotReady(Exception):
    """The tensor's producing node has not been rebuilt yet (processed in a later pass)."""


def _is_tensor_leaf(value) -> bool:
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
        and isinstance(value[1], int) and isinstance(value[2], int)


def _referenced_layer_names(value, found, depth=0):
    """Names of the layers whose outputs `value` (node args/kwargs, output_layers) refers to."""
    if depth > 64:
        return found
    if isinstance(value, dict):
        history = value.get("keras_history") if isinstance(value.get("keras_history"), list) else None
        if history and isinstance(history[0], str):
            found.add(history[0])
        for item in value.values():
            _referenced_layer_names(item, found, depth + 1)
    elif isinstance(value, list):
        if value and isinstance(value[0], str) and len(value) == 3:
            found.add(value[0])
        for item in value:
            _referenced_layer_names(item, found, depth + 1)
    return found


def _without_dangling_ops(entries, output_layers):
    """The entries minus Keras operations nothing consumes.

    Keras 3 records the mask arithmetic of some layers (`Masking` writes `NotEqual` and `Any`) as
    op nodes that feed nothing. They have no weights and do not affect the outputs, so they are
    dropped rather than rebuilt. Layers are always kept (their weights are in the file), and so is
    every op that the outputs, a layer or a kept op consumes: one walk back from those roots (a
    removal loop would be quadratic in a long chain of dangling ops).
    """
    ops = {}
    for entry in entries:
        if isinstance(entry, dict) and is_op_entry(entry):
            ops.setdefault(entry.get("name"), []).append(entry)
    if not ops:
        return entries
    used = _referenced_layer_names(output_layers, set())
    for entry in entries:
        if isinstance(entry, dict) and not is_op_entry(entry):
            _referenced_layer_names(entry.get("inbound_nodes"), used)
    pending = [name for name in used if name in ops]
    while pending:
        for entry in ops.get(pending.pop(), ()):
            for name in _referenced_layer_names(entry.get("inbound_nodes"), set()):
                if name not in used:
                    used.add(name)
                    if name in ops:
                        pending.append(name)
    return [e for e in entries if not (isinstance(e, dict) and is_op_entry(e) and e.get("name") not in used)]


def functional_from_config(config, custom_objects=None, safe_mode=None, cls=None):
    """Rebuilds a Functional model: layers, then their calls in dependency order."""
    from lamina.models.functional import Functional

    entries = config.get("layers")
    if not isinstance(entries, list) or len(entries) > MAX_LAYERS:
        raise LoadError(f"A Functional config needs a 'layers' list (of at most {MAX_LAYERS}); received "
                        f"{type(entries).__name__}.")
    entries = _without_dangling_ops(entries, config.get("output_layers"))
    find_missing_classes({"layers": entries}, custom_objects, safe_mode)
    created, order = {}, []
    for entry in entries:
        layer = deserialize_layer(entry, custom_objects, safe_mode)
        # The calls replayed below are the file's, not the reader's code: no advice to give on them
        # (lamina/layers/implicit_masks.py).
        layer.__dict__["_warned_mask_not_applied"] = True
        name = entry.get("name", layer.name)
        if not isinstance(name, str) or name in created:
            raise LoadError(f"Layer name {name!r} appears twice (or is not a string) in the config.")
        created[name] = layer
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise LoadError(f"'inbound_nodes' of layer '{name}' must be a list.")
        order.append((name, layer, nodes))

    def get_tensor(name, node_index, tensor_index):
        layer = created.get(name)
        if layer is None:
            raise LoadError(f"The config refers to a layer named {name!r}, which is not in its 'layers'.")
        if node_index < 0:
            raise LoadError(f"The config refers to node {node_index} of layer {name!r}, which cannot exist.")
        if node_index >= len(layer._inbound_nodes):
            raise _NotReady(name)
        outputs = layer._inbound_nodes[node_index].flat_outputs
        if not 0 <= tensor_index < len(outputs):
            raise LoadError(f"The config refers to output {tensor_index} of layer {name!r}, which has "
                            f"{len(outputs)} output(s).")
        return outputs[tensor_index]

    # Layers are called in file order; a layer whose input is not built yet waits for the layer that
    # makes it and is retried only when that layer gains a node (retrying every waiting layer on
    # every pass would be quadratic for a file listing its layers in reverse).
    done = {name: 0 for name, _, _ in order}
    remaining = sum(len(nodes) for _, _, nodes in order)
    queue = collections.deque(order)
    waiting = collections.defaultdict(list)
    while queue:
        name, layer, nodes = item = queue.popleft()
        while done[name] < len(nodes):
            node = nodes[done[name]]
            if not isinstance(node, dict):
                raise LoadError(f"Node {done[name]} of layer '{name}' is malformed: {short_repr(node)}.")
            try:
                args = deserialize_node_value(node.get("args", []), get_tensor)
                kwargs = deserialize_node_value(node.get("kwargs", {}), get_tensor)
            except _NotReady as missing:
                waiting[missing.args[0]].append(item)
                break
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise LoadError(f"Node {done[name]} of layer '{name}' has malformed args/kwargs.")
            recorded = {}
            # The value Keras filled in from the call's default (`false` for most layers,
            # `true` for augmentation layers) is not the user's: the model's mode decides.
            default = bool(getattr(layer, "_call_training_default", False))
            if _KERAS_WRITTEN.get() and "training" in kwargs and kwargs["training"] is default:
                recorded["training"] = kwargs.pop("training")
            written_form = None
            if hasattr(layer, "positional_call"):  # an op node: Keras may name call arguments
                written_form = (len(args), list(kwargs))
                args, kwargs = layer.positional_call(args, kwargs)
            try:
                if written_form is not None:
                    # An op node's first argument may be a constant tensor: record it symbolically
                    # (Layer.__call__'s eager fast path looks only at the first argument).
                    from lamina.layers.symbolic_call import symbolic_call

                    symbolic_call(layer, args, kwargs)
                else:
                    layer(*args, **kwargs)
            except Exception as error:
                raise LoadError(f"Could not call layer '{name}' while rebuilding the graph: "
                                f"{type(error).__name__}: {error}") from error
            if recorded:
                # Written back on save, so the file re-saves as Keras wrote it.
                layer._inbound_nodes[-1].keras_recorded_kwargs = recorded
            if written_form is not None and written_form[1]:
                # An op call Keras wrote with named arguments is written back the same way.
                layer._inbound_nodes[-1].keras_written_form = written_form
            done[name] += 1
            remaining -= 1
            queue.extend(waiting.pop(name, ()))
    if remaining:
        stuck = [n for n, _, nodes in order if done[n] < len(nodes)]
        raise LoadError(f"The graph in the config cannot be rebuilt: the inputs of layer(s) {stuck[:20]} are never "
                        f"produced (a cycle or a reference to a missing node).")

    def structure(value, depth=0):
        if depth > 32:
            raise LoadError("input_layers/output_layers are nested too deeply.")
        if _is_tensor_leaf(value):
            try:
                return get_tensor(*value)
            except _NotReady:
                raise LoadError(f"The model's inputs/outputs refer to {short_repr(value)}, a node that is never "
                                f"built.") \
                    from None
        if isinstance(value, dict):
            return {k: structure(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [structure(v, depth + 1) for v in value]
        raise LoadError(f"Malformed input_layers/output_layers entry {short_repr(value)}.")

    inputs = structure(config.get("input_layers"))
    outputs = structure(config.get("output_layers"))
    try:
        return (cls or Functional)(inputs=inputs, outputs=outputs, name=config.get("name"),
                                   trainable=config.get("trainable", True))
    except Exception as error:
        raise LoadError(f"Could not assemble model {config.get('name')!r}: {type(error).__name__}: {error}") \
            from error


def sequential_from_config(config, custom_objects=None, safe_mode=None):
    from lamina.models.sequential import Sequential

    entries = config.get("layers", [])
    if not isinstance(entries, list) or len(entries) > MAX_LAYERS:
        raise LoadError("A Sequential config needs a 'layers' list.")
    find_missing_classes({"layers": entries}, custom_objects, safe_mode)
    layers = [deserialize_layer(entry, custom_objects, safe_mode) for entry in entries]
    model = Sequential(layers=layers, name=config.get("name"), trainable=config.get("trainable", True))
    shape = config.get("build_input_shape")
    if not model.built and isinstance(shape, list) and shape:
        model.build(tuple(_shapes({"s": shape})["s"]))
    return model


def _count_layer_entries(config):
    """How many entries all the 'layers' lists of a config hold (a bounded walk)."""
    count, stack, seen = 0, [config], 0
    while stack and seen < 2_000_000:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            if isinstance(node.get("layers"), list):
                count += len(node["layers"])
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return count


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Rebuilds a model (or layer) from a Keras-format config entry.

    Args:
        config: `{"module", "class_name", "config", ...}` as in a `.keras`
            file's `config.json` (a bare Functional config is accepted too).
        custom_objects: `{"Name": class_or_function}` for custom classes.
        safe_mode: with True (the default) the config reaches only lamina's names, registered
            objects and `custom_objects`: no module it names is imported, no Lambda bytecode or
            function path is run (see `lamina.saving.safe_mode`). False only for trusted configs.

    Raises:
        MissingClassError: listing every class that cannot be found.
        LoadError: any other problem, naming the layer.
    """
    if not isinstance(config, dict):
        raise LoadError(f"A model config must be a dict, received {type(config).__name__}.")
    if "class_name" not in config and "layers" in config:
        config = {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
                  "registered_name": "Functional"}
    from lamina.saving.registration import CustomObjectScope

    from lamina.saving.safe_mode import safe_mode_scope

    count = _count_layer_entries(config)
    if count > MAX_LAYERS:
        raise LoadError(f"The model config lists {count:,} layers and operations (nested models included), over "
                        f"the limit of {MAX_LAYERS:,}; refusing to rebuild it. If this is a real model, raise "
                        f"lamina.saving.model_config.MAX_LAYERS before loading.")
    try:
        find_missing_classes(config, custom_objects, safe_mode)
    except LoadError:
        raise
    except Exception as error:
        raise LoadError(f"The model config is malformed: {type(error).__name__}: {error}") from error

    with CustomObjectScope(dict(custom_objects or {})), safe_mode_scope(safe_mode):
        try:
            return deserialize_layer(config, custom_objects, safe_mode)
        except LoadError:
            raise
        except Exception as error:  # a malformed config reaching code that trusted it
            raise LoadError(f"The model config is malformed: {type(error).__name__}: {error}") from error


def sequential_class():
    from lamina.models.sequential import Sequential

    return Sequential
