"""`keras.preprocessing`: Keras's older home of the data helpers, kept as aliases of `lamina.utils`.

`keras.preprocessing.image_dataset_from_directory` is `keras.utils.image_dataset_from_directory`,
and so on; `keras.preprocessing.image` and `keras.preprocessing.sequence` hold the image and
sequence helpers.
"""

from lamina.preprocessing import image, sequence
from lamina.utils import image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
