"""MaxPooling1D/2D/3D and AveragePooling1D/2D/3D."""

from lamina.layers.pooling.base_pooling import BasePooling

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
           "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"]

_DOC = """{rank}-D {kind} pooling.

    Args:
        pool_size: int or tuple of {rank} ints ({default}).
        strides: int or tuple; None (default) means `pool_size`.
        padding: `"valid"` (default) or `"same"` (output size `ceil(n / stride)`; the padding is
            {same_note}).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Shapes:
        channels_last `(batch, *spatial, channels)` -> `(batch, *pooled, channels)`.

    Example:
        >>> {example}
    """


def _make(rank, mode, default):
    def __init__(self, pool_size=default, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        BasePooling.__init__(self, rank, mode, pool_size, strides=strides, padding=padding,
                             data_format=data_format, name=name, **kwargs)
    return __init__


def _make_required(rank, mode):
    """Keras 3.15's AveragePooling layers have no default `pool_size` (MaxPooling ones do)."""
    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        BasePooling.__init__(self, rank, mode, pool_size, strides=strides, padding=padding,
                             data_format=data_format, name=name, **kwargs)
    return __init__


_MAX_NOTE = "ignored by the max"
_AVG_NOTE = "excluded from each window's count, as in Keras"


class MaxPooling1D(BasePooling):
    __doc__ = _DOC.format(rank=1, kind="max", default="default 2", same_note=_MAX_NOTE,
                          example="MaxPooling1D()(torch.ones(2, 9, 3)).shape\n        torch.Size([2, 4, 3])")
    __init__ = _make(1, "max", 2)


class MaxPooling2D(BasePooling):
    __doc__ = _DOC.format(rank=2, kind="max", default="default (2, 2)", same_note=_MAX_NOTE,
                          example="MaxPooling2D()(torch.ones(2, 8, 8, 3)).shape\n        torch.Size([2, 4, 4, 3])")
    __init__ = _make(2, "max", (2, 2))


class MaxPooling3D(BasePooling):
    __doc__ = _DOC.format(rank=3, kind="max", default="default (2, 2, 2)", same_note=_MAX_NOTE,
                          example="MaxPooling3D()(torch.ones(1, 4, 4, 4, 2)).shape\n"
                                  "        torch.Size([1, 2, 2, 2, 2])")
    __init__ = _make(3, "max", (2, 2, 2))


class AveragePooling1D(BasePooling):
    __doc__ = _DOC.format(rank=1, kind="average", default="required, as in Keras", same_note=_AVG_NOTE,
                          example="AveragePooling1D(2)(torch.ones(2, 9, 3)).shape\n        torch.Size([2, 4, 3])")
    __init__ = _make_required(1, "average")


class AveragePooling2D(BasePooling):
    __doc__ = _DOC.format(rank=2, kind="average", default="required, as in Keras", same_note=_AVG_NOTE,
                          example="AveragePooling2D(3, 2, padding='same')(torch.ones(2, 7, 7, 2)).shape\n"
                                  "        torch.Size([2, 4, 4, 2])")
    __init__ = _make_required(2, "average")


class AveragePooling3D(BasePooling):
    __doc__ = _DOC.format(rank=3, kind="average", default="required, as in Keras", same_note=_AVG_NOTE,
                          example="AveragePooling3D(2)(torch.ones(1, 4, 4, 4, 2)).shape\n"
                                  "        torch.Size([1, 2, 2, 2, 2])")
    __init__ = _make_required(3, "average")
