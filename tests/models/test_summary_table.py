"""Tests for lamina.models.summary_table against Keras 3.15.1's summary text.

The fixtures are what Keras printed through `print_fn` off a terminal (an
80-column console). The rows below are written by hand from the seed models,
uncropped; the renderer must narrow, wrap and crop them exactly as Keras did.
"""

import os
from pathlib import Path

import pytest
from rich.text import Text

from lamina.models.summary_table import (
    SummaryRow,
    format_count,
    format_param_footer,
    readable_memory_size,
    render_summary,
    summary_layout,
)

R = SummaryRow


def _find_fixture_dir() -> Path:
    env = os.environ.get("LAMINA_SUMMARY_FIXTURES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "fixtures" / "summaries"


FIXTURES = _find_fixture_dir()


def _inp(name, shape):
    return R(name, "InputLayer", shape, 0)


# name -> (model name, connected_to, rows, trainable count, non-trainable count)
CASES = {
    "seq_mnist_mlp": ("sequential", False, [
        R("dense", "Dense", (None, 128), 100_480),
        R("dense_1", "Dense", (None, 10), 1_290),
    ], 101_770, 0),
    "seq_dropout_mlp": ("sequential_1", False, [
        R("dense_2", "Dense", (None, 128), 2_688),
        R("dropout", "Dropout", (None, 128), 0),
        R("dense_3", "Dense", (None, 64), 8_256),
        R("dense_4", "Dense", (None, 10), 650),
    ], 11_594, 0),
    "func_small_cnn": ("small_cnn", False, [
        _inp("input_layer_2", (None, 16, 16, 3)),
        R("conv2d", "Conv2D", (None, 16, 16, 8), 224),
        R("batch_normalization", "BatchNormalization", (None, 16, 16, 8), 32),
        R("max_pooling2d", "MaxPooling2D", (None, 8, 8, 8), 0),
        R("conv2d_transpose", "Conv2DTranspose", (None, 16, 16, 4), 292),
        R("flatten", "Flatten", (None, 1024), 0),
        R("dense_14", "Dense", (None, 10), 10_250),
    ], 10_782, 16),
    "func_residual_classifier": ("residual_classifier", True, [
        _inp("features", (None, 20)),
        R("dense_6", "Dense", (None, 128), 2_688, [("features", 0, 0)]),
        R("dropout_1", "Dropout", (None, 128), 0, [("dense_6", 0, 0)]),
        R("dense_7", "Dense", (None, 64), 8_256, [("dropout_1", 0, 0)]),
        R("dense_8", "Dense", (None, 64), 1_344, [("features", 0, 0)]),
        R("add", "Add", (None, 64), 0, [("dense_7", 0, 0), ("dense_8", 0, 0)]),
        R("activation", "Activation", (None, 64), 0, [("add", 0, 0)]),
        R("predictions", "Dense", (None, 10), 650, [("activation", 0, 0)]),
    ], 12_938, 0),
    "func_multi_task_dict": ("multi_task_classifier", True, [
        _inp("text_features", (None, 100)),
        _inp("metadata", (None, 10)),
        R("dense_9", "Dense", (None, 64), 6_464, [("text_features", 0, 0)]),
        R("dense_10", "Dense", (None, 16), 176, [("metadata", 0, 0)]),
        R("concatenate_1", "Concatenate", (None, 80), 0,
          [("dense_9", 0, 0), ("dense_10", 0, 0)]),
        R("dense_11", "Dense", (None, 32), 2_592, [("concatenate_1", 0, 0)]),
        R("sentiment", "Dense", (None, 1), 33, [("dense_11", 0, 0)]),
        R("topic", "Dense", (None, 5), 165, [("dense_11", 0, 0)]),
    ], 9_430, 0),
    "func_siamese_shared": ("siamese", True, [
        _inp("left", (None, 8)),
        _inp("right", (None, 8)),
        R("encoder", "Dense", (None, 4), 36, [("left", 0, 0), ("right", 0, 0)]),
        R("subtract", "Subtract", (None, 4), 0, [("encoder", 0, 0), ("encoder", 1, 0)]),
        R("same", "Dense", (None, 1), 5, [("subtract", 0, 0)]),
    ], 41, 0),
    "func_text_meta_lstm": ("functional_2", True, [
        _inp("text_input", (None, None)),
        R("embedding", "Embedding", (None, None, 128), 1_280_000, [("text_input", 0, 0)]),
        _inp("meta_input", (None, 5)),
        R("lstm", "LSTM", (None, 64), 49_408, [("embedding", 0, 0)]),
        R("dense_5", "Dense", (None, 32), 192, [("meta_input", 0, 0)]),
        R("concatenate", "Concatenate", (None, 96), 0, [("lstm", 0, 0), ("dense_5", 0, 0)]),
        R("output", "Dense", (None, 2), 194, [("concatenate", 0, 0)]),
    ], 1_329_794, 0),
    "func_attention": ("functional_3", True, [
        _inp("sequence", (None, 32, 64)),
        R("multi_head_attention", "MultiHeadAttention", (None, 32, 64), 16_640,
          [("sequence", 0, 0), ("sequence", 0, 0)]),
        R("add_1", "Add", (None, 32, 64), 0,
          [("sequence", 0, 0), ("multi_head_attention", 0, 0)]),
        R("layer_normalization", "LayerNormalization", (None, 32, 64), 128, [("add_1", 0, 0)]),
        R("dense_12", "Dense", (None, 32, 64), 4_160, [("layer_normalization", 0, 0)]),
        R("global_average_pooling1d", "GlobalAveragePooling1D", (None, 64), 0,
          [("dense_12", 0, 0)]),
        R("dense_13", "Dense", (None, 3), 195, [("global_average_pooling1d", 0, 0)]),
    ], 21_123, 0),
}

# The same tables as plain cell strings, the form a caller may build itself.
PLAIN_ROWS = {
    "seq_dropout_mlp": [
        ["dense_2 (Dense)", "(None, 128)", "2,688"],
        ["dropout (Dropout)", "(None, 128)", "0"],
        ["dense_3 (Dense)", "(None, 64)", "8,256"],
        ["dense_4 (Dense)", "(None, 10)", "650"],
    ],
    "func_multi_task_dict": [
        ["text_features (InputLayer)", "(None, 100)", "0", "-"],
        ["metadata (InputLayer)", "(None, 10)", "0", "-"],
        ["dense_9 (Dense)", "(None, 64)", "6,464", "text_features[0][0]"],
        ["dense_10 (Dense)", "(None, 16)", "176", "metadata[0][0]"],
        ["concatenate_1 (Concatenate)", "(None, 80)", "0", "dense_9[0][0], dense_10[0][0]"],
        ["dense_11 (Dense)", "(None, 32)", "2,592", "concatenate_1[0][0]"],
        ["sentiment (Dense)", "(None, 1)", "33", "dense_11[0][0]"],
        ["topic (Dense)", "(None, 5)", "165", "dense_11[0][0]"],
    ],
    "func_attention": [
        ["sequence (InputLayer)", "(None, 32, 64)", "0", "-"],
        ["multi_head_attention (MultiHeadAttention)", "(None, 32, 64)", "16,640",
         "sequence[0][0], sequence[0][0]"],
        ["add_1 (Add)", "(None, 32, 64)", "0", "sequence[0][0], multi_head_attention[0][0]"],
        ["layer_normalization (LayerNormalization)", "(None, 32, 64)", "128", "add_1[0][0]"],
        ["dense_12 (Dense)", "(None, 32, 64)", "4,160", "layer_normalization[0][0]"],
        ["global_average_pooling1d (GlobalAveragePooling1D)", "(None, 64)", "0",
         "dense_12[0][0]"],
        ["dense_13 (Dense)", "(None, 3)", "195", "global_average_pooling1d[0][0]"],
    ],
}


def _footer(trainable, non_trainable):
    # float32 weights: 4 bytes each.
    return format_param_footer(
        trainable_count=trainable, non_trainable_count=non_trainable,
        trainable_bytes=4 * trainable, non_trainable_bytes=4 * non_trainable,
    )


def _render_case(name, rows=None, **kwargs):
    model_name, connected_to, case_rows, trainable, non_trainable = CASES[name]
    return render_summary(
        model_name, case_rows if rows is None else rows,
        footer_lines=_footer(trainable, non_trainable),
        connected_to=connected_to, **kwargs,
    )


def _table_lines(text):
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│├└"]


def test_every_fixture_has_a_case():
    assert sorted(p.stem for p in FIXTURES.glob("*.txt")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras_fixture(name, capsys):
    # The fixtures were written by print_fn=print off a terminal: 80 columns.
    returned = _render_case(name, print_fn=print, console_width=80)
    expected = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    assert capsys.readouterr().out == expected
    assert returned + "\n" == expected


@pytest.mark.parametrize("name", sorted(PLAIN_ROWS))
def test_plain_string_rows_match_fixture(name):
    text = _render_case(name, rows=PLAIN_ROWS[name], print_fn=lambda s: None, console_width=80)
    assert text + "\n" == (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def test_console_width_detected_like_keras(monkeypatch):
    # Keras caps the default at shutil.get_terminal_size() - 4 and rich sizes
    # its console from COLUMNS; both see the same 80 here.
    monkeypatch.setenv("COLUMNS", "80")
    text = _render_case("func_residual_classifier", print_fn=lambda s: None)
    assert text + "\n" == (FIXTURES / "func_residual_classifier.txt").read_text(encoding="utf-8")


def test_print_fn_receives_whole_text_once():
    calls = []
    text = _render_case("seq_mnist_mlp", print_fn=calls.append, console_width=80)
    assert calls == [text]
    assert text.startswith('Model: "sequential"\n') and text.endswith("(0.00 B)\n")


def test_captured_output_has_no_ansi_codes(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # would make a default rich console colour
    text = _render_case("func_small_cnn", print_fn=lambda s: None, console_width=80)
    assert "\x1b" not in text


def test_terminal_output_is_styled_and_return_is_plain(monkeypatch, capsys):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats stdout as a terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    text = _render_case("seq_mnist_mlp", console_width=80)
    out = capsys.readouterr().out
    assert "\x1b[1m" in out  # bold title / footer labels, as Keras
    assert "\x1b" not in text
    assert text + "\n" == (FIXTURES / "seq_mnist_mlp.txt").read_text(encoding="utf-8")


def test_stdout_off_terminal_is_plain(monkeypatch, capsys):
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    text = _render_case("seq_mnist_mlp", console_width=80)
    assert capsys.readouterr().out == text


@pytest.mark.parametrize("num_bytes, expected", [
    (0, "0.00 B"), (0.5, "0.50 B"), (164, "164.00 B"), (1023, "1023.00 B"),
    (1024, "1.00 KB"), (51_752, "50.54 KB"), (407_080, "397.54 KB"),
    (5_319_176, "5.07 MB"), (1024 ** 3, "1.00 GB"), (3 * 1024 ** 4, "3.00 TB"),
    (1024 ** 5, "1.00 PB"), (1024 ** 6, "1024.00 PB"),
])
def test_readable_memory_size(num_bytes, expected):
    assert readable_memory_size(num_bytes) == expected


def test_format_count():
    assert [format_count(n) for n in (0, 999, 1000, 12_938, 1_329_794)] == [
        "0", "999", "1,000", "12,938", "1,329,794"]


def test_layout_defaults():
    seq = summary_layout(console_width=200)
    assert seq.header == ["Layer (type)", "Output Shape", "Param #"]
    assert seq.justify == ["left", "left", "right"]
    assert (seq.line_length, seq.widths) == (88, [39, 31, 18])  # [0.45, 0.80, 1.0]
    graph = summary_layout(connected_to=True, console_width=200)
    assert graph.header[-1] == "Connected to" and graph.justify[-1] == "left"
    assert (graph.line_length, graph.widths) == (108, [32, 28, 19, 29])  # [0.3, 0.56, 0.74, 1.0]
    # Off a terminal (80 columns) both defaults shrink to 76.
    assert summary_layout(console_width=80).line_length == 76
    assert summary_layout(connected_to=True, console_width=80).line_length == 76


def test_layout_show_trainable():
    layout = summary_layout(show_trainable=True, console_width=200)
    assert layout.header[-1] == "Trainable" and layout.justify[-1] == "center"
    assert (layout.line_length, layout.widths) == (100, [40, 32, 18, 10])
    layout = summary_layout(connected_to=True, show_trainable=True, console_width=200)
    assert (layout.line_length, layout.widths) == (120, [32, 28, 19, 29, 12])


def test_explicit_line_length_and_positions():
    layout = summary_layout(line_length=60, positions=[0.5, 0.75, 1.0], console_width=80)
    assert (layout.line_length, layout.widths) == (60, [30, 15, 15])
    # An explicit line_length is not capped by the console.
    assert summary_layout(line_length=150, console_width=80).line_length == 150


def test_custom_line_length_widens_capture():
    text = _render_case("func_residual_classifier", line_length=120,
                        print_fn=lambda s: None, console_width=80)
    lines = _table_lines(text)
    assert {len(line) for line in lines} == {120}
    assert "│ add (Add)" in text and "dense_7[0][0], dense_8[0][0]" in text


def test_custom_line_length_can_crop_like_keras():
    text = _render_case("func_residual_classifier", line_length=120, widen_console=False,
                        print_fn=lambda s: None, console_width=80)
    assert {len(line) for line in _table_lines(text)} == {80}


def test_narrow_line_length_wraps():
    text = _render_case("seq_mnist_mlp", line_length=50, print_fn=lambda s: None,
                        console_width=80)
    assert {len(line) for line in _table_lines(text)} == {50}


def test_show_trainable_column():
    rows = [
        R("inp", "InputLayer", (None, 3), 0, trainable=None),
        R("dense", "Dense", (None, 2), 8, trainable=True),
        R("frozen", "Dense", (None, 2), 6, trainable=False),
    ]
    text = render_summary("m", rows, show_trainable=True, print_fn=lambda s: None,
                          console_width=200)
    lines = _table_lines(text)
    assert {len(line) for line in lines} == {100}
    # Keras's widths leave no room for padding and borders; rich takes them
    # back from the columns, which crops the 3-column header to "Traina…".
    assert lines[1].split("┃")[-2] == " Traina… "
    cells = [line.split("│")[-2] for line in lines if line.startswith("│")]
    assert cells == ["    -    ", "    Y    ", "    N    "]  # centred
    text = render_summary("m", rows, connected_to=True, show_trainable=True,
                          print_fn=lambda s: None, console_width=200)
    lines = _table_lines(text)
    assert {len(line) for line in lines} == {120}
    assert lines[1].split("┃")[-2].strip() == "Trainable"


def test_expand_nested_rows_are_prefixed():
    rows = [
        R("encoder", "Sequential", (None, 4), 36),
        R("dense", "Dense", (None, 4), 36, level=1),
        R("inner", "Dense", (None, 4), 0, level=2),
    ]
    text = render_summary("m", rows, print_fn=lambda s: None, console_width=200)
    names = [line.split("│")[1] for line in _table_lines(text) if line.startswith("│")]
    assert names[0].startswith(" encoder (Sequential)")
    assert names[1].startswith(" " + "   └ dense (Dense)")
    assert names[2].startswith(" " + "      └ inner (Dense)")


def test_cell_formats():
    rows = [
        R("unbuilt", "Dense", "?", None),
        R("multi", "Split", [(None, 4), (None, 2)], 0),
        R("named", "Heads", {"a": (None, 4), "b": (None, 2)}, 0),
        R("single", "Wrap", [(None, 4)], 0),
        R("pair", "Pair", ((None, 1), (None, 2)), 0),
        R("markup", "Odd[bold]Name", (), 0),
    ]
    text = render_summary("m[x]", rows, print_fn=lambda s: None, line_length=150,
                          console_width=200)
    assert text.startswith('Model: "m[x]"\n')
    for piece in ["│ unbuilt (Dense)", "│ ?", "0 (unbuilt) │", "[(None, 4), (None, 2)]",
                  "{a: (None, 4), b: (None, 2)}", "│ single (Wrap)", "((None, 1), (None, 2))",
                  "markup (Odd[bold]Name)", "│ ()"]:
        assert piece in text, piece
    assert "[(None, 4)]" not in text  # a single output shows its bare shape


def test_connections_dash_for_inputs():
    rows = [R("x", "InputLayer", (None, 1), 0), R("d", "Dense", (None, 1), 2, [("x", 0, 0)])]
    text = render_summary("m", rows, connected_to=True, print_fn=lambda s: None,
                          console_width=200)
    assert [line.split("│")[4].strip() for line in _table_lines(text)
            if line.startswith("│")] == ["-", "x[0][0]"]


def test_footer_lines():
    lines = format_param_footer(trainable_count=10_782, non_trainable_count=16,
                                trainable_bytes=43_128, non_trainable_bytes=64)
    assert all(isinstance(line, Text) for line in lines)
    assert [str(line) for line in lines] == [
        " Total params: 10,798 (42.18 KB)",
        " Trainable params: 10,782 (42.12 KB)",
        " Non-trainable params: 16 (64.00 B)",
    ]
    with_optimizer = format_param_footer(trainable_count=41, non_trainable_count=0,
                                         trainable_bytes=164, non_trainable_bytes=0,
                                         optimizer_count=84, optimizer_bytes=336)
    # Keras counts optimizer variables into the total.
    assert [str(line) for line in with_optimizer] == [
        " Total params: 125 (500.00 B)",
        " Trainable params: 41 (164.00 B)",
        " Non-trainable params: 0 (0.00 B)",
        " Optimizer params: 84 (336.00 B)",
    ]


def test_plain_footer_strings_are_literal():
    text = render_summary("m", [], footer_lines=[" Note: [bold]x[/]"],
                          print_fn=lambda s: None, console_width=80)
    assert text.endswith(" Note: [bold]x[/]\n")


def test_errors():
    with pytest.raises(ValueError, match="Insufficient console width"):
        summary_layout(line_length=10, console_width=80)
    with pytest.raises(ValueError, match="positions"):
        summary_layout(positions=[0.3, 0.6, 0.8, 1.0], console_width=80)
    with pytest.raises(ValueError, match="cells"):
        render_summary("m", [["a", "b"]], print_fn=lambda s: None, console_width=80)
