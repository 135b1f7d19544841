"""Utilities shared across lamina (nested structures, config serialization).

Public as in `keras.utils`: `set_random_seed`, `plot_model`, `to_categorical`, `normalize`,
`pack_x_y_sample_weight`, `unpack_x_y_sample_weight`.
"""

from lamina.utils.data_structure import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.random import set_random_seed
from lamina.visualization.plot_model import plot_model

__all__ = ["normalize", "pack_x_y_sample_weight", "plot_model", "set_random_seed", "to_categorical",
           "unpack_x_y_sample_weight"]
