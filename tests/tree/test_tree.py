"""lamina.tree against Keras 3.15.1's keras.tree (optree): every expected value below was
printed by real Keras 3.15.1 (JAX backend) on the same inputs
(`tools/keras_crosscheck/namespace_values.py` prints them again)."""

import collections

import numpy as np
import pytest
import torch

from lamina import tree

NT = collections.namedtuple("NT", ["b", "a"])


def _structure():
    return {"b": [1, (2, None)], "a": NT(3, {"z": 4, "y": 5}), "c": collections.OrderedDict([("q", 6), ("p", 7)])}


def test_flatten_orders_like_keras():
    assert tree.flatten(_structure()) == [3, 5, 4, 1, 2, None, 6, 7]
    assert tree.flatten(None) == [None] and tree.flatten(1) == [1]
    assert tree.flatten([]) == [] and tree.flatten({}) == []
    assert tree.flatten({1: "a", "b": 2}) == ["a", 2]  # unsortable keys: insertion order
    array = np.ones(2)
    assert tree.flatten(array)[0] is array and tree.flatten("abc") == ["abc"]
    t = torch.ones(3)
    assert tree.flatten({"x": t})[0] is t


def test_flatten_with_path():
    assert tree.flatten_with_path(_structure()) == [
        (("a", 0), 3), (("a", 1, "y"), 5), (("a", 1, "z"), 4), (("b", 0), 1), (("b", 1, 0), 2),
        (("b", 1, 1), None), (("c", "q"), 6), (("c", "p"), 7)]


def test_is_nested():
    assert tree.is_nested([1]) and tree.is_nested(()) and tree.is_nested(NT(1, 2)) and tree.is_nested({})
    assert not tree.is_nested(None) and not tree.is_nested("ab") and not tree.is_nested(np.ones(2))


def test_map_structure():
    s = _structure()
    out = tree.map_structure(lambda x: x, s)
    assert out == s and type(out["a"]) is NT and list(out) == ["b", "a", "c"]
    assert list(out["c"]) == ["q", "p"]
    assert tree.map_structure(lambda x, y: (x, y), [1, None], [2, 3]) == [(1, 2), (None, 3)]
    assert tree.map_structure(lambda x: 0, [1, None], none_is_leaf=False) == [0, None]
    assert tree.map_structure(lambda x: x + 1, NT(1, 2)) == NT(2, 3)
    d = collections.defaultdict(list, {"b": 1, "a": 2})
    mapped = tree.map_structure(lambda x: x * 10, d)
    assert isinstance(mapped, collections.defaultdict) and mapped == {"b": 10, "a": 20}


def test_pack_sequence_as():
    assert tree.pack_sequence_as(_structure(), list(range(8))) == {
        "b": [3, (4, 5)], "a": NT(b=0, a={"z": 2, "y": 1}), "c": collections.OrderedDict([("q", 6), ("p", 7)])}
    assert tree.pack_sequence_as({"b": 1, "a": 2}, [10, 20]) == {"b": 20, "a": 10}
    assert tree.pack_sequence_as(None, [5]) == 5
    flat = tree.flatten(_structure())
    assert tree.pack_sequence_as(_structure(), flat) == _structure()


def test_lists_to_tuples_and_shapes():
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    assert tree.map_shape_structure(lambda s: s, [(1, None), {"a": (3, 4)}, [2]]) == [(1, None), {"a": (3, 4)}, [2]]
    assert tree.map_shape_structure(len, [(1, None), {"a": (3, 4)}, [[2, 3], [4]]]) == [2, {"a": 2}, [2, 1]]


def test_map_structure_up_to():
    out = tree.map_structure_up_to([1, [2, 3]], lambda x, y: (x, y), [[1], [2, 3]], [[4], [5, 6]])
    assert out == [([1], [4]), [(2, 5), (3, 6)]]


def test_traverse():
    seen = []
    assert tree.traverse(seen.append, [1, (2, 3)]) == [1, (2, 3)]
    assert seen == [[1, (2, 3)], 1, (2, 3), 2, 3]
    assert tree.traverse(lambda x: "L" if not isinstance(x, (list, tuple)) else None, [1, (2, 3)]) == ["L", ("L", "L")]
    seen = []
    assert tree.traverse(seen.append, [1, (2, 3)], top_down=False) == [1, (2, 3)]
    assert seen == [1, 2, 3, (2, 3), [1, (2, 3)]]
    assert tree.traverse(lambda x: x * 10 if isinstance(x, int) else None, [1, (2, 3)], top_down=False) == [10, (20, 30)]
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if x == 2 else None, [1, (2, 3)]) == [1, (None, 3)]


def test_assert_same_structure_and_paths():
    tree.assert_same_structure([None], [3])
    tree.assert_same_structure({"a": [1]}, {"a": [np.ones(2)]})
    tree.assert_same_paths([1, 2], (1, 2))
    with pytest.raises(ValueError, match="`a` and `b` don't have the same paths"):
        tree.assert_same_paths({"a": 1}, {"b": 1})
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)


MISMATCHES = [
    ([1, 2], (1, 2), "expected list"),
    ([1, [2]], [1, 2], r"at path \(1,\)"),
    ({"a": 1}, {"b": 1}, "expected dict"),
    (NT(1, 2), (1, 2), "expected namedtuple NT"),
    ([1], [1, 2], "expected list"),
]


@pytest.mark.parametrize("a,b,message", MISMATCHES)
def test_structure_mismatches_are_errors(a, b, message):
    with pytest.raises(ValueError, match=message):
        tree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match=message):
        tree.map_structure(lambda x, y: x, a, b)


def test_bad_arguments():
    with pytest.raises(ValueError, match="too few"):
        tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="too many"):
        tree.pack_sequence_as([1, 2], [1, 2, 3])
    with pytest.raises(TypeError, match="`flat_sequence` must be a list or tuple"):
        tree.pack_sequence_as([1, 2], 5)
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(lambda x: x)
    with pytest.raises(TypeError, match="`func` must be callable"):
        tree.map_structure(3, [1])


def test_layer_attribute_containers_are_read_as_list_and_dict():
    import lamina

    class Block(lamina.layers.Layer):
        def __init__(self):
            super().__init__()
            self.parts = [lamina.layers.Dense(2), lamina.layers.Dense(3)]

    block = Block()
    assert len(tree.flatten(block.parts)) == 2
