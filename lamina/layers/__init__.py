"""`lamina.layers`: every public layer, grouped by family in sub-packages."""

from lamina.layers.layer import Layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.core import Activation, Dense, Identity, Lambda, TorchModuleWrapper, TorchOp
from lamina.layers.regularization import Dropout
from lamina.layers.reshaping import Flatten, Reshape
from lamina.layers.convolutional import (Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose,
                                         Conv3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                                         SeparableConv2D)
from lamina.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                                  GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
                                  GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
                                  AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
                                  AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from lamina.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization, Normalization,
                                         UnitNormalization, RMSNormalization, SpectralNormalization)
from lamina.layers.regularization import (ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise,
                                          SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from lamina.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, UpSampling1D,
                                     UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from lamina.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                   average, concatenate, dot, maximum, minimum, multiply, subtract)

from lamina.layers.core import Embedding, Masking, EinsumDense, ReversibleEmbedding, Wrapper
from lamina.layers.rnn import (GRU, GRUCell, LSTM, LSTMCell, RNN, Bidirectional, SimpleRNN, SimpleRNNCell,
                               StackedRNNCells, TimeDistributed)
from lamina.layers.rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from lamina.layers.attention import AdditiveAttention, Attention, MultiHeadAttention, GroupQueryAttention
from lamina.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from lamina.layers.preprocessing import (AutoContrast, CenterCrop, RandomBrightness, RandomColorDegeneration,
                                         RandomContrast, RandomCrop, RandomFlip, RandomGrayscale, RandomInvert,
                                         RandomPosterization, RandomRotation, RandomShear, RandomTranslation,
                                         RandomZoom, Rescaling, Resizing, Solarization, CutMix, MaxNumBoundingBoxes,
                                         MixUp, RandomErasing, RandomColorJitter, RandomHue, RandomSaturation,
                                         RandomGaussianBlur, RandomSharpness,
                                         ContrastLimitedAdaptiveHistogramEqualization, Equalization, AugMix,
                                         RandAugment, RandomElasticTransform, RandomPerspective,
                                         CategoryEncoding, Discretization, Hashing, IntegerLookup,
                                         StringLookup, TextVectorization, Pipeline, MelSpectrogram,
                                         STFTSpectrogram, HashedCrossing)

# Keras's alternative names for the same classes (files always carry the full class name).
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (Conv1DTranspose, Conv2DTranspose,
                                                                          Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer",
    "Dense", "Activation", "Identity", "Lambda", "TorchModuleWrapper", "TorchOp",
    "Dropout",
    "Flatten", "Reshape",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization", "Normalization",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization",
    "Permute", "RepeatVector", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "Embedding", "Masking", "EinsumDense", "ReversibleEmbedding", "Wrapper",
    "RMSNormalization", "SpectralNormalization",
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "StackedRNNCells",
    "Bidirectional", "TimeDistributed",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    "MultiHeadAttention", "Attention", "AdditiveAttention", "GroupQueryAttention",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Rescaling",
    "AutoContrast", "CenterCrop", "RandomBrightness", "RandomColorDegeneration", "RandomContrast", "RandomCrop",
    "RandomFlip", "RandomGrayscale", "RandomInvert", "RandomPosterization", "RandomRotation", "RandomShear",
    "RandomTranslation", "RandomZoom", "Resizing", "Solarization", "CutMix", "MaxNumBoundingBoxes", "MixUp",
    "RandomErasing", "RandomColorJitter", "RandomHue", "RandomSaturation", "RandomGaussianBlur", "RandomSharpness",
    "ContrastLimitedAdaptiveHistogramEqualization", "Equalization", "AugMix", "RandAugment",
    "RandomElasticTransform", "RandomPerspective",
    "CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "StringLookup", "TextVectorization",
    "Pipeline", "MelSpectrogram", "STFTSpectrogram", "HashedCrossing",
    "AvgPool1D", "AvgPool2D", "AvgPool3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
    "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
]


def serialize(layer):
    """A layer's Keras config dict (`{"module", "class_name", "config", "registered_name"}`),
    as `keras.layers.serialize`.

    Example:
        >>> serialize(Dense(2))["class_name"]
        'Dense'
    """
    from lamina.saving import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer rebuilt from `serialize`'s dict (or one Keras wrote), as `keras.layers.deserialize`.

    Args:
        config: the layer's config dict.
        custom_objects: optional `{name: class}` for custom layers.
    """
    from lamina.saving import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ += ["serialize", "deserialize"]
