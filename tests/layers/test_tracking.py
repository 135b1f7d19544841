"""Sub-layers kept in lists and dicts (lamina/layers/tracking.py): child modules found by path."""

import pytest
import torch

import lamina as keras


class Blocks(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
        self.heads = {"score": keras.layers.Dense(1)}

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.heads["score"](x)


def test_get_submodule_walks_lists_and_dicts_of_sub_layers():
    model = Blocks()
    model(torch.rand(3, 5))
    assert isinstance(model.blocks, list)  # Keras's reading of the attribute
    assert [n for n, _ in model.named_parameters()][:2] == ["blocks.0.kernel", "blocks.0.bias"]
    assert model.get_submodule("blocks.1") is model.blocks[1]
    assert model.get_submodule("heads.score") is model.heads["score"]
    assert model.get_submodule("") is model
    with pytest.raises(AttributeError, match=r"has no sub-module `7` \(looking up 'blocks.7'\); its sub-modules are"):
        model.get_submodule("blocks.7")
