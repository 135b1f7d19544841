"""Core layers: Dense, Activation, Identity, Lambda, Embedding, Masking and the op layer behind tensor ops."""

from lamina.layers.core.dense import Dense
from lamina.layers.core.activation import Activation
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.torch_op import TorchOp
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.masking import Masking
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.core.reversible_embedding import ReversibleEmbedding
from lamina.layers.core.wrapper import Wrapper

__all__ = ["Dense", "Activation", "Identity", "Lambda", "TorchOp", "TorchModuleWrapper", "Embedding", "Masking", "EinsumDense",
           "ReversibleEmbedding", "Wrapper"]
