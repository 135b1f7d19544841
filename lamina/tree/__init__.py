"""`lamina.tree`: Keras 3's `keras.tree` (12 names), utilities for nested structures.

Follows Keras's (optree) rules, which differ from lamina's internal helpers in one way worth
knowing: `flatten` visits dict values in sorted key order (lamina's models keep insertion order).
"""

from lamina.tree.tree_api import (MAP_TO_NONE, assert_same_paths, assert_same_structure, flatten,
                                  flatten_with_path, is_nested, lists_to_tuples, map_shape_structure,
                                  map_structure, map_structure_up_to, pack_sequence_as, traverse)

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
    "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as",
    "traverse",
]
