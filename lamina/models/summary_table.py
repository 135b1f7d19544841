"""Rendering half of `Model.summary()`: the rich table, title and footer.

This module knows nothing about models. The caller walks a model and hands over
one row per layer (a `SummaryRow`, or a list of ready-made cell strings); this
module lays the rows out exactly as Keras 3 does in
`keras/src/utils/summary_utils.py::print_summary`, so that the same rows at the
same console width give byte-identical text:

- a `rich.table.Table` with rich's default `box.HEAVY_HEAD`, `show_lines=True`
  and `width=line_length`; columns `Layer (type)`, `Output Shape`, `Param #`
  (right-justified), plus `Connected to` for non-sequential graphs and a centred
  `Trainable` column with `show_trainable`;
- column widths from `positions` (fractions of `line_length`);
- a default `line_length` of 88 (3 columns) or 108 (4 columns), +12 with
  `show_trainable`, capped at the terminal width minus 4;
- cells that do not fit wrap at spaces, and a word longer than its column is
  cropped with `…` (the rich column default `overflow="ellipsis"`).

With `print_fn` the text is captured from a colourless console and handed to
`print_fn` in one call, as Keras does; otherwise it goes to stdout through
rich, bold and coloured on a terminal.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Union

import rich.console
import rich.table
from rich.text import Text

__all__ = [
    "SummaryLayout",
    "SummaryRow",
    "format_count",
    "format_param_footer",
    "readable_memory_size",
    "render_summary",
    "summary_layout",
]

# Keras's rich colour choices (summary_utils.highlight_number / highlight_symbol /
# bold_text). They only show on a colour terminal; captured text is plain.
_NUMBER_STYLE = "color(34)"
_NONE_STYLE = "color(45)"
_CLASS_STYLE = "color(33)"
_YES_STYLE = "bold color(34)"
_NO_STYLE = "bold color(9)"

_BASE_HEADER = ["Layer (type)", "Output Shape", "Param #"]
_BASE_JUSTIFY = ["left", "left", "right"]
_SEQUENTIAL_POSITIONS = [0.45, 0.80, 1.0]
_GRAPH_POSITIONS = [0.3, 0.56, 0.74, 1.0]

Cell = Union[str, Text]


def format_count(n: int) -> str:
    """Formats a parameter count with thousands separators, as Keras does.

    Args:
        n: A non-negative count.

    Returns:
        The count with `,` every three digits.

    Example:
        >>> format_count(12938)
        '12,938'
    """
    return f"{int(n):,}"


def readable_memory_size(num_bytes: float) -> str:
    """Formats a byte count in 1024 steps with two decimals, as Keras does.

    Args:
        num_bytes: Size in bytes (Keras computes bits / 8, so floats are fine).

    Returns:
        A string such as `"50.54 KB"`; units run B, KB, MB, GB, TB, PB.

    Example:
        >>> readable_memory_size(51752)
        '50.54 KB'
    """
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    size = float(num_bytes)
    # Keras divides while the next unit would still be >= 1. (Keras labels
    # sizes of 1024 PB and more as PB after one division too many; we stop at PB.)
    for unit in units[:-1]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    """One table row: a layer, as Keras's `get_layer_fields` describes it.

    Attributes:
        name: The layer name.
        class_name: The layer's class name, shown as `name (ClassName)`.
        output_shape: A shape tuple such as `(None, 64)` (a tuple of ints and
            `None`), a list / tuple / dict of shape tuples for several outputs,
            or a ready string (Keras shows `"?"` for a layer that was never
            called nor built).
        params: The layer's parameter count, or `None` for an unbuilt layer
            (Keras shows `0 (unbuilt)`).
        connections: `Connected to` entries as `(layer_name, node_index,
            tensor_index)`; empty shows `-`. Only used by 4-column tables.
        trainable: For `show_trainable`: `True`/`False`, or `None` for a layer
            without weights (Keras shows `Y`, `N`, `-`).
        level: Nesting depth under `expand_nested`: 0 for the model's own
            layers, 1 for the layers of a nested model, and so on. Keras draws
            no border; it prefixes the name with `"   " * level + "└ "`.
    """

    name: str
    class_name: str
    output_shape: Any
    params: int | None = 0
    connections: Sequence[tuple[str, int, int]] = ()
    trainable: bool | None = None
    level: int = 0


class SummaryLayout(NamedTuple):
    """Columns of a summary table, as computed by `summary_layout`."""

    header: list[str]
    justify: list[str]
    widths: list[int]
    line_length: int


def summary_layout(
    *,
    connected_to: bool = False,
    show_trainable: bool = False,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    console_width: int | None = None,
) -> SummaryLayout:
    """Computes header, justification and column widths the way Keras does.

    Args:
        connected_to: Add the `Connected to` column (Keras does for models that
            are not "sequential-like": branches, several inputs, shared layers).
        show_trainable: Add the centred `Trainable` column.
        line_length: Total table width; `None` for the Keras default.
        positions: Right edges of the columns as fractions of `line_length`,
            one per column without `Trainable`; `None` for Keras's defaults
            `[0.45, 0.80, 1.0]` or `[0.3, 0.56, 0.74, 1.0]`.
        console_width: Console width to cap the default `line_length`; `None`
            asks `shutil.get_terminal_size()` as Keras does (80 off a terminal).

    Returns:
        A `SummaryLayout`.

    Raises:
        ValueError: If `positions` has the wrong length or a column would be
            narrower than 4 characters.

    Example:
        >>> summary_layout(connected_to=True, console_width=200).widths
        [32, 28, 19, 29]
    """
    header = list(_BASE_HEADER)
    justify = list(_BASE_JUSTIFY)
    if connected_to:
        default_length, default_positions = 108, _GRAPH_POSITIONS
        header.append("Connected to")
        justify.append("left")
    else:
        default_length, default_positions = 88, _SEQUENTIAL_POSITIONS
    positions = list(positions or default_positions)
    if len(positions) != len(header):
        raise ValueError(
            f"positions must have {len(header)} entries, one per column; "
            f"received {positions}"
        )
    if show_trainable:
        # Keras widens the default by 12 and squeezes the given positions into
        # the first 90% of the line.
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    if console_width is None:
        console_width = shutil.get_terminal_size().columns
    # Only the default is capped by the terminal; an explicit line_length wins.
    line_length = line_length or min(default_length, console_width - 4)
    widths = []
    current = 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return SummaryLayout(header, justify, widths, line_length)


def _shape_text(shape: Any) -> Text:
    # Keras's format_shape: "(None, 16, 3)" with numbers and None coloured.
    text = Text("(")
    for i, dim in enumerate(shape):
        if i:
            text.append(", ")
        text.append(str(dim), _NONE_STYLE if dim is None else _NUMBER_STYLE)
    text.append(")")
    return text


def _is_shape(value: Any) -> bool:
    # A shape is a tuple of ints / None (as Keras shapes are); lists, dicts and
    # tuples of tuples are structures of several outputs.
    return isinstance(value, tuple) and all(d is None or isinstance(d, int) for d in value)


def _flat_shapes(node: Any) -> list[tuple]:
    if _is_shape(node):
        return [node]
    values = node.values() if isinstance(node, Mapping) else node
    return [shape for value in values for shape in _flat_shapes(value)]


def _structure_text(node: Any) -> Text:
    # Keras shows str() of the structure of formatted shapes with the quotes
    # removed: "[(None, 4), (None, 2)]", "{a: (None, 4), b: (None, 2)}".
    if _is_shape(node):
        return _shape_text(node)
    if isinstance(node, Mapping):
        items = [Text(f"{key}: ").append_text(_structure_text(v)) for key, v in node.items()]
        return Text("{").append_text(Text(", ").join(items)).append("}")
    items = [_structure_text(v) for v in node]
    if isinstance(node, list):
        return Text("[").append_text(Text(", ").join(items)).append("]")
    closing = ",)" if len(items) == 1 else ")"
    return Text("(").append_text(Text(", ").join(items)).append(closing)


def _output_shape_text(output_shape: Any) -> Text:
    if isinstance(output_shape, Text):
        return output_shape
    if isinstance(output_shape, str):
        return Text(output_shape)
    shapes = _flat_shapes(output_shape)
    # Keras: a structure holding a single shape shows that shape alone.
    if len(shapes) == 1:
        return _shape_text(shapes[0])
    return _structure_text(output_shape)


def _row_cells(row: SummaryRow, connected_to: bool, show_trainable: bool) -> list[Text]:
    prefix = "   " * row.level + "└ " if row.level else ""
    name = Text.assemble(
        f"{prefix}{row.name} (", (row.class_name, _CLASS_STYLE), ")"
    )
    if row.params is None:
        params = Text.assemble(("0", _NUMBER_STYLE), " (unbuilt)")
    else:
        params = Text(format_count(row.params), _NUMBER_STYLE)
    cells = [name, _output_shape_text(row.output_shape), params]
    if connected_to:
        links = [
            Text.assemble(
                f"{layer}[", (str(node), _NUMBER_STYLE), "][",
                (str(tensor), _NUMBER_STYLE), "]",
            )
            for layer, node, tensor in row.connections
        ]
        cells.append(Text(", ").join(links) if links else Text("-"))
    if show_trainable:
        if row.trainable is None:
            cells.append(Text("-", "bold"))
        elif row.trainable:
            cells.append(Text("Y", _YES_STYLE))
        else:
            cells.append(Text("N", _NO_STYLE))
    return cells


def format_param_footer(
    *,
    trainable_count: int,
    non_trainable_count: int,
    trainable_bytes: float,
    non_trainable_bytes: float,
    optimizer_count: int | None = None,
    optimizer_bytes: float = 0,
) -> list[Text]:
    """Builds Keras's footer lines below the table.

    Total = trainable + non-trainable + optimizer, for counts and bytes, as in
    Keras. The lines are `rich.text.Text` (bold label, coloured count on a
    terminal); `str(line)` or `line.plain` gives the plain text.

    Args:
        trainable_count: Number of trainable parameters.
        non_trainable_count: Number of non-trainable parameters.
        trainable_bytes: Memory of the trainable weights, in bytes.
        non_trainable_bytes: Memory of the non-trainable weights, in bytes.
        optimizer_count: Number of optimizer variables once the optimizer is
            built, else `None` (Keras then prints no `Optimizer params` line).
        optimizer_bytes: Memory of the optimizer variables, in bytes.

    Returns:
        Three lines, or four with the optimizer line.

    Example:
        >>> [str(t) for t in format_param_footer(trainable_count=41,
        ...     non_trainable_count=0, trainable_bytes=164, non_trainable_bytes=0)]
        [' Total params: 41 (164.00 B)', ' Trainable params: 41 (164.00 B)', \
' Non-trainable params: 0 (0.00 B)']
    """
    entries = [
        (" Trainable params: ", trainable_count, trainable_bytes),
        (" Non-trainable params: ", non_trainable_count, non_trainable_bytes),
    ]
    if optimizer_count is not None:
        entries.append((" Optimizer params: ", optimizer_count, optimizer_bytes))
    total_count = sum(count for _, count, _ in entries)
    total_bytes = sum(size for _, _, size in entries)
    entries.insert(0, (" Total params: ", total_count, total_bytes))
    return [
        Text.assemble(
            (label, "bold"), (format_count(count), _NUMBER_STYLE),
            f" ({readable_memory_size(size)})",
        )
        for label, count, size in entries
    ]


def render_summary(
    model_name: str,
    rows: Sequence[SummaryRow | Sequence[Cell]],
    *,
    footer_lines: Sequence[Cell] = (),
    connected_to: bool = False,
    show_trainable: bool = False,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    print_fn: Callable[[str], Any] | None = None,
    console_width: int | None = None,
    widen_console: bool = True,
) -> str:
    """Prints a model summary table the way Keras 3's `print_summary` does.

    Args:
        model_name: Shown as `Model: "model_name"` (bold on a terminal).
        rows: One entry per table row, in order: a `SummaryRow` (formatted and
            coloured like Keras), or a list of plain cell strings / `Text`, one
            per column, shown verbatim (no rich markup is parsed).
        footer_lines: Lines printed under the table, typically
            `format_param_footer(...)`; plain strings are shown verbatim.
        connected_to: Use the 4-column layout with `Connected to`.
        show_trainable: Add the `Trainable` column.
        line_length: Table width; default 88 / 108 (+12 with `show_trainable`),
            capped at the terminal width minus 4, as in Keras.
        positions: Column right edges as fractions of `line_length`.
        print_fn: If given, the summary is rendered without colour and passed
            to `print_fn` as one string ending in a newline, as Keras does.
            Otherwise it is printed to stdout through rich.
        console_width: Console width; `None` detects it like Keras and rich
            (terminal size or `COLUMNS`, 80 off a terminal).
        widen_console: Off a terminal, let an explicit `line_length` wider than
            the console widen the console. Keras does not, and crops every line
            at 80 characters (keras-team/keras#21107); `False` reproduces that.

    Returns:
        The summary as plain text (what `print_fn` receives).

    Example:
        >>> text = render_summary(
        ...     "mlp", [SummaryRow("dense", "Dense", (None, 4), 12)],
        ...     footer_lines=[" Total params: 12 (48.00 B)"],
        ...     print_fn=lambda s: None, console_width=80)
        >>> text.splitlines()[4]
        '│ dense (Dense)                   │ (None, 4)              │            12 │'
    """
    layout = summary_layout(
        connected_to=connected_to,
        show_trainable=show_trainable,
        line_length=line_length,
        positions=positions,
        console_width=console_width,
    )
    columns = [
        rich.table.Column(name, justify=justify, width=width)
        for name, justify, width in zip(layout.header, layout.justify, layout.widths)
    ]
    table = rich.table.Table(*columns, width=layout.line_length, show_lines=True)
    for row in rows:
        if isinstance(row, SummaryRow):
            cells = _row_cells(row, connected_to, show_trainable)
        else:
            cells = [c if isinstance(c, Text) else Text(str(c)) for c in row]
        if len(cells) != len(columns):
            raise ValueError(
                f"Each row needs {len(columns)} cells ({layout.header}); "
                f"received {len(cells)}: {[str(c) for c in cells]}"
            )
        table.add_row(*cells)

    def make_console(width: int | None) -> rich.console.Console:
        if print_fn is not None:
            # Keras: a colourless, non-terminal console whose output is captured.
            return rich.console.Console(
                highlight=False, force_terminal=False, color_system=None, width=width
            )
        # Keras: a default console on stdout (styled only on a terminal); we
        # also record it to return the plain text.
        return rich.console.Console(highlight=False, width=width, record=True)

    console = make_console(console_width)
    if widen_console and not console.is_terminal and console.width < layout.line_length:
        console = make_console(layout.line_length)

    if print_fn is not None:
        console.begin_capture()
    console.print(Text(f'Model: "{model_name}"', "bold"))
    console.print(table)
    for line in footer_lines:
        console.print(line if isinstance(line, Text) else Text(str(line)))
    if print_fn is None:
        return console.export_text(clear=True, styles=False)
    text = console.end_capture()
    # Keras hands the whole capture to print_fn in one call, not line by line.
    print_fn(text)
    return text
