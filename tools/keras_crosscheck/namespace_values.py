"""Prints, from real Keras 3 (JAX backend), the reference values that the namespace tests
(`tests/tree/test_tree.py`, `tests/visualization/test_gallery.py`, `tests/backend/test_backend_api.py`)
compare lamina against. Run it and compare its output with the values written in those tests:

    KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/namespace_values.py
"""

import collections

import numpy as np

import keras
from keras import tree

NT = collections.namedtuple("NT", ["b", "a"])


def main():
    structure = {"b": [1, (2, None)], "a": NT(3, {"z": 4, "y": 5}),
                 "c": collections.OrderedDict([("q", 6), ("p", 7)])}
    print("flatten:", tree.flatten(structure))
    print("flatten_with_path:", tree.flatten_with_path(structure))
    print("flatten unsortable keys:", tree.flatten({1: "a", "b": 2}))
    print("pack_sequence_as:", tree.pack_sequence_as(structure, list(range(8))))
    print("pack_sequence_as dict:", tree.pack_sequence_as({"b": 1, "a": 2}, [10, 20]))
    print("lists_to_tuples:", tree.lists_to_tuples([1, [2, {"a": [3]}]]))
    print("map_shape_structure len:", tree.map_shape_structure(len, [(1, None), {"a": (3, 4)}, [[2, 3], [4]]]))
    print("map_structure_up_to:", tree.map_structure_up_to([1, [2, 3]], lambda x, y: (x, y), [[1], [2, 3]],
                                                             [[4], [5, 6]]))
    seen = []
    tree.traverse(seen.append, [1, (2, 3)])
    print("traverse top-down visits:", seen)
    seen = []
    tree.traverse(seen.append, [1, (2, 3)], top_down=False)
    print("traverse bottom-up visits:", seen)
    print("map_structure none_is_leaf=False:", tree.map_structure(lambda x: 0, [1, None], none_is_leaf=False))
    for a, b in [([1, 2], (1, 2)), ([1, [2]], [1, 2]), ({"a": 1}, {"b": 1}), (NT(1, 2), (1, 2)), ([1], [1, 2])]:
        try:
            tree.assert_same_structure(a, b)
            print("assert_same_structure", a, b, "-> same")
        except ValueError as error:
            print("assert_same_structure", a, b, "-> ValueError:", str(error).splitlines()[0])

    images = np.arange(12, dtype="float32").reshape(1, 2, 2, 3) * 20
    masks = np.array([[[[0], [1]], [[2], [-1]]]], dtype="int32")
    draw = keras.visualization.draw_segmentation_masks
    print("draw_segmentation_masks:", draw(images, masks).tolist())
    print("draw_segmentation_masks num_classes=3 alpha=0.5:", draw(images, masks, num_classes=3, alpha=0.5).tolist())
    print("draw_segmentation_masks blend=False:",
          np.asarray(draw(images, masks, num_classes=3, blend=False)).tolist())

    for dtype in [None, "float16", np.float64, int, float, bool, "int", "uint32"]:
        print("standardize_dtype", dtype, "->", keras.backend.standardize_dtype(dtype))
    print("get_uid:", keras.backend.get_uid("x"), keras.backend.get_uid("x"), keras.backend.get_uid())


if __name__ == "__main__":
    main()
