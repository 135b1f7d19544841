"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention (formulas, masks, errors)."""

import json
import math
import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def _x(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _mha_reference(layer, query, value, mask=None):
    """Keras's MHA einsums from Keras-layout weights, with the -1e9 softmax mask."""
    wq, bq, wk, bk, wv, bv, wo, bo = [torch.from_numpy(w) for w in layer.get_weights()]
    q = torch.einsum("btd,dhk->bthk", query, wq) + bq
    k = torch.einsum("bsd,dhk->bshk", value, wk) + bk
    v = torch.einsum("bsd,dhk->bshk", value, wv) + bv
    q = q / math.sqrt(layer.key_dim)
    scores = torch.einsum("bshk,bthk->bhts", k, q)
    if mask is not None:
        scores = scores + (1.0 - mask[:, None].float()) * -1e9
    probs = torch.softmax(scores, -1)
    out = torch.einsum("bhts,bshk->bthk", probs, v)
    return torch.einsum("bthk,hko->bto", out, wo) + bo, probs


def test_mha_value_dim_output_shape_and_weights():
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=6, output_shape=5,
                                      bias_initializer="glorot_uniform")
    query, value = _x(2, 7, 8), _x(2, 4, 10, seed=1)
    out, scores = layer(query, value, return_attention_scores=True)
    assert out.shape == (2, 7, 5) and scores.shape == (2, 3, 7, 4)
    assert layer.compute_output_shape((None, 7, 8), (None, 4, 10)) == (None, 7, 5)
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == [(8, 3, 4), (3, 4), (10, 3, 4), (3, 4), (10, 3, 6), (3, 6), (3, 6, 5), (5,)]
    ref, ref_probs = _mha_reference(layer, query, value)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(scores, ref_probs, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(layer(query, value), out, rtol=1e-5, atol=1e-5)  # SDPA path


def test_mha_masks_match_keras_semantics():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    query, value = _x(2, 5, 6), _x(2, 4, 6, seed=1)
    attention_mask = torch.rand(2, 5, 4, generator=torch.Generator().manual_seed(3)) > 0.4
    attention_mask[0, 0] = False  # a fully masked row attends uniformly, as in Keras
    out = layer(query, value, attention_mask=attention_mask)
    torch.testing.assert_close(out, _mha_reference(layer, query, value, attention_mask)[0], rtol=1e-5, atol=1e-5)
    value_mask = torch.tensor([[True, True, False, False], [True, True, True, False]])
    out = layer(query, value, value_mask=value_mask)
    ref = _mha_reference(layer, query, value, value_mask[:, None, :].expand(2, 5, 4))[0]
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    _, scores = layer(query, query, use_causal_mask=True, return_attention_scores=True)
    assert torch.all(scores.triu(1) == 0)
    causal = layer(query, query, use_causal_mask=True)
    torch.testing.assert_close(causal, _mha_reference(layer, query, query, torch.ones(5, 5).tril()[None])[0],
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"must broadcast to \(batch, query_len, value_len\)"):
        layer(query, value, attention_mask=torch.ones(2, 5, 3, dtype=torch.bool))


def test_mha_uses_embedding_masks_in_functional_model():
    tokens = keras.Input(shape=(5,), dtype="int32")
    embedded = layers.Embedding(10, 8, mask_zero=True)(tokens)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    model = keras.Model(tokens, mha(embedded, embedded))
    ids = torch.tensor([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    emb = model.layers[1](ids)
    mask = ids != 0
    expected = mha(emb, emb, query_mask=mask, value_mask=mask)
    with torch.no_grad():
        torch.testing.assert_close(model(ids), expected)
    plain = emb.clone()  # no `_keras_mask` attribute: no implicit masks
    assert not torch.allclose(expected, mha(plain, plain))
    torch.testing.assert_close(mha(emb, emb), expected)  # eager masks are picked up from the inputs


def test_mha_attention_axes_2d():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    x = _x(2, 3, 4, 5)
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 5) and scores.shape == (2, 2, 3, 4, 3, 4)
    out_spec, scores_spec = layer(keras.Input(shape=(3, 4, 5)), keras.Input(shape=(3, 4, 5)),
                                  return_attention_scores=True)
    assert out_spec.shape == (None, 3, 4, 5) and scores_spec.shape == (None, 2, 3, 4, 3, 4)
    assert layer.compute_output_shape((None, 3, 4, 5), (None, 3, 4, 5)) == (None, 3, 4, 5)
    torch.testing.assert_close(layer(x, x), out, rtol=1e-5, atol=1e-5)
    assert layer.get_config()["attention_axes"] == [1, 2]


KERAS_MHA_MASKS = os.path.join(os.path.dirname(__file__), "keras_values", "mha_masks.npz")


def _keras_mha_cases():
    with np.load(KERAS_MHA_MASKS) as data:
        return sorted(json.loads(str(data["cases"])).items())


@pytest.mark.parametrize("name,spec", _keras_mha_cases(), ids=[n for n, _ in _keras_mha_cases()])
def test_mha_masks_match_values_computed_by_keras(name, spec):
    # Keras 3.15.1 outputs (tools/keras_crosscheck/mha_masks.py): masks with attention_axes on
    # rank-4 inputs, fully masked query rows on both of Keras's paths, implicit query masks.
    data = np.load(KERAS_MHA_MASKS)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, **spec["layer"])
    x = torch.from_numpy(data[f"{name}/x"])
    layer(x, x)
    layer.set_weights([data[f"{name}/w{i}"] for i in range(8)])
    layer.eval()
    call = {"return_attention_scores": spec["scores"]}
    for arg in spec["masks"]:
        call["query_mask" if arg == "query_keras_mask" else arg] = torch.from_numpy(data[f"{name}/{arg}"])
    with torch.no_grad():
        result = layer(x, x, **call)
    output = result[0] if spec["scores"] else result
    np.testing.assert_allclose(output.numpy(), data[f"{name}/output"], rtol=1e-5, atol=1e-5)
    if spec["scores"]:
        np.testing.assert_allclose(result[1].numpy(), data[f"{name}/scores"], rtol=1e-5, atol=1e-5)


def test_mha_mask_errors_name_the_expected_shape():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,))
    x = _x(2, 3, 5, 6)
    with pytest.raises(ValueError, match=r"must broadcast to \(batch, \*other axes, \*query attention axes, "
                                         r"\*key attention axes\) = \(2, 3, 5, 5\); got a mask of shape \(2, 4, 5\)"):
        layer(x, x, attention_mask=torch.ones(2, 4, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="use_causal_mask=True needs inputs of shape"):
        layer(x, x, use_causal_mask=True)


def test_mha_fully_masked_rows_in_float16_stay_finite():
    # Keras's masked-logit value for float16 is -3e4: -1e9 would be -inf and a fully masked row NaN.
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=2, dtype="float16")
    x = _x(1, 3, 4).half()
    mask = torch.tensor([[[True, False, True], [False, False, False], [True, True, True]]])
    _, scores = layer(x, x, attention_mask=mask, return_attention_scores=True)
    assert torch.isfinite(scores).all() and torch.all(scores[0, 0, 1] == 0)


def test_mha_config_and_errors():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    layer(_x(1, 3, 8), _x(1, 3, 8))
    config = layer.get_config()
    assert config["value_dim"] == 4 and config["attention_axes"] == [1]
    assert layers.MultiHeadAttention.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="`num_heads` must be a positive int"):
        layers.MultiHeadAttention(num_heads=0, key_dim=4)
    with pytest.raises(ValueError, match="`dropout` must be a float between 0 and 1"):
        layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=2.0)


def test_dot_attention_masks_scale_and_concat():
    query, value = _x(2, 3, 4), _x(2, 5, 4, seed=1)
    q_mask = torch.tensor([[True, True, False], [True, True, True]])
    v_mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    layer = layers.Attention()
    out, weights = layer([query, value], mask=[q_mask, v_mask], return_attention_scores=True)
    assert torch.all(weights[0, :, 3:] < 1e-6) and torch.all(out[0, 2] == 0)
    scores = query @ value.transpose(1, 2) - 1e9 * (~v_mask[:, None]).float()
    torch.testing.assert_close(out, (torch.softmax(scores, -1) @ value) * q_mask[..., None])
    assert layer.compute_output_shape([(None, 3, 4), (None, 5, 7)]) == (None, 3, 7)
    q_in, v_in = keras.Input(shape=(3, 4)), keras.Input(shape=(5, 4))
    out_spec, scores_spec = layer([q_in, v_in], return_attention_scores=True)
    assert out_spec.shape == (None, 3, 4) and scores_spec.shape == (None, 3, 5)
    _, causal = layer([query, value], use_causal_mask=True, return_attention_scores=True)
    assert torch.all(causal.triu(1) == 0)

    scaled = layers.Attention(use_scale=True, score_mode="concat")
    scaled([query, value])
    assert [w.shape for w in scaled.get_weights()] == [(), ()]
    scaled.set_weights([np.float32(0.5), np.float32(2.0)])
    concat_scores = 2.0 * torch.tanh(0.5 * (query[:, :, None] + value[:, None])).sum(-1)
    torch.testing.assert_close(scaled([query, value]), torch.softmax(concat_scores, -1) @ value)


def test_additive_attention_formula():
    query, value, key = _x(2, 3, 4), _x(2, 5, 4, seed=1), _x(2, 5, 4, seed=2)
    layer = layers.AdditiveAttention()
    out = layer([query, value, key])
    (scale,) = layer.get_weights()
    scores = (torch.from_numpy(scale) * torch.tanh(query[:, :, None] + key[:, None])).sum(-1)
    torch.testing.assert_close(out, torch.softmax(scores, -1) @ value)
    assert "score_mode" not in layer.get_config() and layer.get_config()["use_scale"] is True


def test_attention_errors():
    with pytest.raises(ValueError, match="Expected one of {'dot', 'concat'}. Received: score_mode=bad"):
        layers.Attention(score_mode="bad")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(_x(2, 3, 4))
    with pytest.raises(ValueError, match="accepts inputs list of length 2 or 3"):
        layers.Attention()([_x(2, 3, 4)])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([_x(2, 3, 4), _x(2, 3, 4)], mask=torch.ones(2, 3, dtype=torch.bool))


def test_dot_attention_uses_embedding_masks_in_functional_model():
    tokens = keras.Input(shape=(5,), dtype="int32")
    embedding, attention = layers.Embedding(10, 4, mask_zero=True), layers.Attention()
    embedded = embedding(tokens)
    model = keras.Model(tokens, attention([embedded, embedded]))
    ids = torch.tensor([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5]])
    with torch.no_grad():
        plain = embedding(ids).clone()
        expected = attention([plain, plain], mask=[ids != 0, ids != 0])
        torch.testing.assert_close(model(ids), expected)
    assert torch.all(expected[0, 2:] == 0)


def test_mha_output_carries_the_query_mask_through_a_functional_model():
    """Keras propagates the query's mask to the output: a downstream LSTM skips the padded steps."""
    tokens = keras.Input(shape=(5,), dtype="int32")
    embedded = layers.Embedding(10, 8, mask_zero=True)(tokens)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(embedded, embedded)
    assert attended._keras_mask is not None and attended._keras_mask.shape == (None, 5)
    lstm = layers.LSTM(3)
    model = keras.Model(tokens, lstm(attended))
    ids = torch.tensor([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    with torch.no_grad():
        mha_out = keras.Model(tokens, attended)(ids)
        torch.testing.assert_close(mha_out._keras_mask, ids != 0)
        torch.testing.assert_close(model(ids), lstm(mha_out.clone(), mask=ids != 0))
        # Without the mask the padded steps would change the LSTM's final state.
        assert not torch.allclose(model(ids)[0], lstm(mha_out.clone())[0])
    # Eager calls attach the query's mask too.
    emb = model.layers[1](ids)
    torch.testing.assert_close(model.layers[2](emb, emb)._keras_mask, ids != 0)


def test_layer_names_after_multi_head_attention_follow_keras():
    # Keras's MHA build creates a Softmax and a Dropout sub-layer, which take those automatic names.
    import lamina

    lamina.clear_session(free_memory=False)
    x = lamina.Input((4, 6))
    y = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    assert lamina.layers.Dropout(0.1)(y)._keras_history.operation.name == "dropout_1"
    assert lamina.layers.Softmax()(y)._keras_history.operation.name == "softmax_1"


def test_summary_lists_the_outputs_of_a_multi_output_node():
    import lamina

    q, v = lamina.Input((5, 8)), lamina.Input((7, 6))
    out, scores = lamina.layers.MultiHeadAttention(3, 4, name="mha")(q, v, return_attention_scores=True)
    lines = []
    lamina.Model([q, v], [out, scores]).summary(print_fn=lines.append, line_length=150)
    assert "[(None, 5, 8), (None, 3, 5, 7)]" in "".join(lines)


def test_hooks_on_the_projection_sublayers_still_fire():
    # The projections skip Layer.__call__ only while no hook is registered.
    import torch

    import lamina

    mha = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    x = torch.randn(2, 4, 6)
    plain = mha(x, x)
    seen = []
    handle = mha.query_dense.register_forward_hook(lambda module, args, out: seen.append(tuple(out.shape)))
    hooked = mha(x, x)
    handle.remove()
    assert seen == [(2, 4, 2, 3)]
    torch.testing.assert_close(hooked, plain)
