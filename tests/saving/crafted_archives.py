"""Hostile `.keras` archives: every route by which a config can name a class or a function.

Plain standard library (no lamina, no Keras), so the same archives are made for lamina's tests
and for the Keras 3 cross-check (`tools/keras_crosscheck/crafted_security.py`). Each case starts
from a small Functional model `inp (4,) -> Dense 'dense' (3)`, compiled, saved by either library,
and edits its `config.json`.

The code a case names leaves traces a test can see: the module `hostile_probe` (written by
`write_probe_module`) creates `imported` in the marker folder when it is imported and `called`
when any of its functions or classes runs; `torch.save`, `os.system` and the bytecode cases write
their own files there; `builtins.print` and module `this` print known text.
"""

import base64
import copy
import json
import marshal
import os
import struct
import zipfile
import zlib

__all__ = ["PROBE_MODULE", "PRINT_MARKER", "ZEN_TEXT", "write_probe_module", "crafted_cases", "read_members",
           "write_members", "write_inflating_archive", "zeros_deflate_stream"]

PROBE_MODULE = "hostile_probe"
PRINT_MARKER = "PRINTED-BY-A-CRAFTED-FILE"
ZEN_TEXT = "Beautiful is better than ugly"

_PROBE_SOURCE = '''"""Imported or called only if a loader runs code a file names."""
import os

_MARKERS = os.environ["LAMINA_PROBE_MARKERS"]
open(os.path.join(_MARKERS, "imported"), "w").close()


def _called():
    open(os.path.join(_MARKERS, "called"), "w").close()


def evil(*args, **kwargs):
    _called()
    return args[0] if args else None


class _Evil:
    def __init__(self, *args, **kwargs):
        _called()

    @classmethod
    def from_config(cls, config):
        _called()
        return cls()

    def __call__(self, *args, **kwargs):
        _called()
        return args[0] if args else None


EvilLayer = EvilInit = EvilRegularizer = EvilConstraint = EvilLoss = EvilMetric = EvilOptimizer = \\
    EvilSchedule = EvilCell = _Evil
'''


def write_probe_module(folder):
    """Writes `hostile_probe.py` into `folder` (put it on `sys.path` of the loading process)."""
    with open(os.path.join(folder, PROBE_MODULE + ".py"), "w") as handle:
        handle.write(_PROBE_SOURCE)


def read_members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _function(module, name):
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def _object(module, class_name, registered=None):
    return {"module": module, "class_name": class_name, "config": {}, "registered_name": registered}


def _bytecode(marker_path):
    source = f"lambda x=None, *a, **k: (open({marker_path!r}, 'w').close(), x)[1]"
    code = base64.b64encode(marshal.dumps(eval(source).__code__)).decode("ascii")  # our own constant source
    # Lambda layers store {"code", "defaults", "closure"}; other objects Keras stores as {"value"}.
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": None, "closure": None, "value": code}}


def _layers(config):
    return config["config"]["layers"]


def _dense(config):
    return next(entry for entry in _layers(config) if entry.get("name") == "dense"
                or entry.get("config", {}).get("name") == "dense")


def _add_lambda(config, function, *, arguments=None, output_shape=None, mask=None, node_args=None):
    """Appends a Lambda layer 'evil' after 'dense' and makes it the model's output."""
    dense = _dense(config)
    tensor = copy.deepcopy(dense["inbound_nodes"][0]["args"][0])
    tensor["config"]["shape"] = [None, 3]
    tensor["config"]["keras_history"] = ["dense", 0, 0]
    lambda_config = {"name": "evil", "trainable": True, "dtype": copy.deepcopy(dense["config"]["dtype"]),
                     "function": function, "arguments": arguments or {}}
    if output_shape is not None:
        lambda_config["output_shape"] = output_shape
    if mask is not None:
        lambda_config["mask"] = mask
    _layers(config).append({"module": "keras.layers", "class_name": "Lambda", "config": lambda_config,
                            "registered_name": None, "name": "evil",
                            "inbound_nodes": [{"args": node_args if node_args is not None else [tensor],
                                               "kwargs": {}}]})
    config["config"]["output_layers"] = ["evil", 0, 0]
    return config


def _set_dense(key, value):
    def edit(config, markers):
        _dense(config)["config"][key] = value
        return config
    return edit


def _set_compile(key, value):
    def edit(config, markers):
        config["compile_config"][key] = value
        return config
    return edit


def _replace_dense_class(module, class_name, registered=None, inner=None):
    def edit(config, markers):
        dense = _dense(config)
        dense["module"], dense["class_name"], dense["registered_name"] = module, class_name, registered
        if inner is not None:
            dense["config"] = {**inner, "name": "dense"}
        return config
    return edit


def _lambda_case(function_fn, **kwargs_fn):
    def edit(config, markers):
        kwargs = {key: (value(markers) if callable(value) else value) for key, value in kwargs_fn.items()}
        return _add_lambda(config, function_fn(markers) if callable(function_fn) else function_fn, **kwargs)
    return edit


_RELU = _function("keras.activations", "relu")
_PROBE = _function(PROBE_MODULE, "evil")

# name -> edit(config, marker_folder) returning the hostile config.
_CASES = {
    # Lambda `function`: by module path (torch.save writes the file named in `arguments`; os.system
    # and exec get a string from the node's args), from a module whose import runs code, bytecode.
    "lambda_function_torch_save": _lambda_case(_function("torch", "save"),
                                               arguments=lambda m: {"f": os.path.join(m, "torch_save.pt")}),
    "lambda_function_os_system": _lambda_case(_function("os", "system"),
                                              node_args=lambda m: [f"touch {os.path.join(m, 'os_system')}"]),
    "lambda_function_builtins_exec": _lambda_case(
        _function("builtins", "exec"), node_args=lambda m: [f"open({os.path.join(m, 'exec')!r}, 'w').close()"]),
    "lambda_function_print": _lambda_case(_function("builtins", "print"), arguments={"end": PRINT_MARKER}),
    "lambda_function_probe_module": _lambda_case(_PROBE),
    "lambda_function_module_this": _lambda_case(_function("this", "s")),
    "lambda_function_non_modeling_keras_api": _lambda_case(_function("keras.saving", "load_model")),
    "lambda_function_lamina_saving_api": _lambda_case(_function("lamina.saving.saving_api", "save_model")),
    "lambda_function_class_path": _lambda_case(_object(PROBE_MODULE, "EvilLayer")),
    "lambda_function_bytecode": _lambda_case(lambda m: _bytecode(os.path.join(m, "bytecode"))),
    # Lambda `output_shape` and `mask` (the function itself is a harmless built-in).
    "lambda_output_shape_probe": _lambda_case(_RELU, output_shape=_PROBE),
    "lambda_output_shape_print": _lambda_case(_RELU, output_shape=_function("builtins", "print")),
    "lambda_output_shape_bytecode": _lambda_case(_RELU, output_shape=lambda m: _bytecode(
        os.path.join(m, "bytecode"))),
    "lambda_mask_probe": _lambda_case(_RELU, mask=_PROBE),
    "lambda_mask_bytecode": _lambda_case(_RELU, mask=lambda m: _bytecode(os.path.join(m, "bytecode"))),
    # Objects inside a layer's config.
    "activation_probe": _set_dense("activation", _PROBE),
    "activation_builtins_exec": _set_dense("activation", _function("builtins", "exec")),
    "activation_os_system": _set_dense("activation", _function("os", "system")),
    "activation_bytecode": None,  # filled below (needs the marker folder)
    "initializer_probe": _set_dense("kernel_initializer", _object(PROBE_MODULE, "EvilInit", "EvilInit")),
    "initializer_function_probe": _set_dense("kernel_initializer", _PROBE),
    "regularizer_probe": _set_dense("kernel_regularizer", _object(PROBE_MODULE, "EvilRegularizer",
                                                                  "EvilRegularizer")),
    "constraint_probe": _set_dense("kernel_constraint", _object(PROBE_MODULE, "EvilConstraint",
                                                                "EvilConstraint")),
    # The layer entry itself: `module` / `registered_name`.
    "layer_module_this": _replace_dense_class("this", "Zen"),
    "layer_module_probe": _replace_dense_class(PROBE_MODULE, "EvilLayer", "EvilLayer"),
    "layer_registered_name_probe": _replace_dense_class(PROBE_MODULE, "EvilLayer", f"{PROBE_MODULE}>EvilLayer"),
    "layer_module_os": _replace_dense_class("os", "system"),
    "nested_rnn_cell_probe": _replace_dense_class("keras.layers", "RNN", None, {
        "cell": _object(PROBE_MODULE, "EvilCell", "EvilCell"), "trainable": True}),
    "nested_bidirectional_probe": _replace_dense_class("keras.layers", "Bidirectional", None, {
        "layer": _object(PROBE_MODULE, "EvilLayer", "EvilLayer"), "trainable": True}),
    # compile_config: losses, metrics, optimizers, schedules.
    "compile_loss_probe": _set_compile("loss", _PROBE),
    "compile_loss_class_probe": _set_compile("loss", _object(PROBE_MODULE, "EvilLoss", "EvilLoss")),
    "compile_metric_probe": _set_compile("metrics", [_PROBE]),
    "compile_metric_class_probe": _set_compile("metrics", [_object(PROBE_MODULE, "EvilMetric", "EvilMetric")]),
    "compile_optimizer_probe": _set_compile("optimizer", _object(PROBE_MODULE, "EvilOptimizer", "EvilOptimizer")),
    "compile_schedule_probe": _set_compile("optimizer", {
        "module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
        "config": {"learning_rate": _object(PROBE_MODULE, "EvilSchedule", "EvilSchedule")}}),
    "compile_loss_os_system": _set_compile("loss", _function("os", "system")),
}
_CASES["activation_bytecode"] = lambda config, markers: _set_dense(
    "activation", _bytecode(os.path.join(markers, "bytecode")))(config, markers)


def crafted_cases(base_members, folder, markers):
    """Writes every hostile variant of `base_members` into `folder`.

    Args:
        base_members: `{member name: bytes}` of a saved base model (see the module docstring).
        folder: where the `.keras` files go.
        markers: the folder the hostile code would write its traces into.

    Returns:
        `{case name: path}`.
    """
    base = json.loads(base_members["config.json"])
    base.setdefault("compile_config", {})
    paths = {}
    for name, edit in _CASES.items():
        config = edit(copy.deepcopy(base), markers)
        members = dict(base_members)
        members["config.json"] = json.dumps(config).encode()
        paths[name] = write_members(os.path.join(folder, name + ".keras"), members)
    return paths


# ------------------------------------------------------------------ decompression bombs

# zlib.crc32 of 4 GiB of zero bytes (computing it takes seconds: `c = 0; for _ in range(4096):
# c = zlib.crc32(bytes(2 ** 20), c)`), so the bomb below is a valid zip member, not a damaged one.
_CRC32_OF_4_GIB_ZEROS = 0xD202EF8D


def zeros_deflate_stream(mebibytes):
    """A raw deflate stream inflating to `mebibytes` MiB of zeros, made in milliseconds.

    Each MiB is compressed with a full flush, which resets the compressor, so every MiB after the
    first compresses to the same bytes and the stream is built by repetition (about 1 KiB per MiB).
    """
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(block) + compressor.flush(zlib.Z_FINISH)
    return first + middle * (mebibytes - 2) + last


def _zip64_extra(*values):
    return struct.pack("<HH", 1, 8 * len(values)) + b"".join(struct.pack("<Q", v) for v in values)


def write_inflating_archive(path, members, big_name, mebibytes, crc=None):
    """A zip holding `members` (stored) and `big_name`: `mebibytes` MiB of zeros, deflated.

    Written field by field (ZIP64 sizes), since `zipfile` cannot store a precompressed stream.
    A 4096 MiB member takes about 4 MiB on disk and is a valid member (its CRC is right).
    """
    if crc is None:
        crc = _CRC32_OF_4_GIB_ZEROS if mebibytes == 4096 else _crc_of_zeros(mebibytes)
    entries = [(name, data, 0, zlib.crc32(data), len(data)) for name, data in members.items()]
    entries.append((big_name, zeros_deflate_stream(mebibytes), 8, crc, mebibytes << 20))
    body, central = bytearray(), bytearray()
    for name, payload, method, entry_crc, size in entries:
        encoded = name.encode()
        offset = len(body)
        extra = _zip64_extra(size, len(payload))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, entry_crc, 0xFFFFFFFF,
                            0xFFFFFFFF, len(encoded), len(extra)) + encoded + extra + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, entry_crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(encoded), len(extra), 0, 0, 0, 0, offset) \
            + encoded + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0)
    with open(path, "wb") as handle:
        handle.write(bytes(body) + bytes(central) + end)
    return path


def _crc_of_zeros(mebibytes):
    crc, block = 0, bytes(1 << 20)
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return crc
