"""The native DNABERT-S encoder against vectors made with the published model code."""

from __future__ import annotations

import pytest
import torch

from virnucpro.embedding.dnabert_s import DNABertS, alibi_bias, alibi_slopes

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def reference_cases(reference_dir):
    path = reference_dir / "dnabert_s" / "dnabert_s_reference_vectors.pt"
    return torch.load(path, weights_only=True)["cases"]


def _model(case) -> DNABertS:
    model = DNABertS(case["config"])
    model.load_state_dict(case["state_dict"])
    return model.eval()


@pytest.mark.parametrize("index", [0, 1, 2])
def test_padded_batch_matches_reference(reference_cases, index):
    case = reference_cases[index]
    with torch.no_grad():
        hidden = _model(case)(case["input_ids"], case["attention_mask"])
    torch.testing.assert_close(hidden, case["last_hidden_state"], atol=TOLERANCE, rtol=0)
    mask = case["attention_mask"].unsqueeze(-1).float()
    mean = (hidden * mask).sum(1) / mask.sum(1)
    torch.testing.assert_close(mean, case["mean_embedding"], atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_unbatched_sequences_match_reference(reference_cases, index):
    case = reference_cases[index]
    model = _model(case)
    with torch.no_grad():
        for row, ids in enumerate(case["input_ids"]):
            length = int(case["attention_mask"][row].sum())
            mean = model(ids[:length].unsqueeze(0)).mean(dim=1)[0]
            expected = case["unbatched_mean_embedding"][row]
            torch.testing.assert_close(mean, expected, atol=TOLERANCE, rtol=0)


def test_reference_cases_cover_odd_heads_and_long_sequences(reference_cases):
    # Guards the coverage claimed by the tests above.
    odd = [c for c in reference_cases if c["config"]["num_attention_heads"] == 6]
    assert odd and odd[0]["input_ids"].shape[1] > odd[0]["config"]["alibi_starting_size"]


def test_alibi_slopes_power_of_two():
    assert alibi_slopes(8) == [2.0 ** -(i + 1) for i in range(8)]
    assert alibi_slopes(4) == [2.0 ** -(2 * (i + 1)) for i in range(4)]


def test_alibi_slopes_other_head_counts_interleave_the_next_power():
    slopes = alibi_slopes(6)
    assert slopes[:4] == alibi_slopes(4)
    assert slopes[4:] == alibi_slopes(8)[0:4:2]
    assert len(alibi_slopes(12)) == 12


def test_alibi_bias_is_symmetric_distance_penalty():
    bias = alibi_bias(torch.tensor(alibi_slopes(2)), 5)[0]
    assert bias.shape == (2, 5, 5)
    assert torch.equal(bias, bias.transpose(1, 2))
    assert bias[0, 0, 3].item() == pytest.approx(-3 * alibi_slopes(2)[0])
    assert torch.all(bias.diagonal(dim1=1, dim2=2) == 0)


def test_padded_positions_are_zero_and_do_not_change_real_ones(reference_cases):
    case = reference_cases[0]
    model = _model(case)
    ids = case["input_ids"][3:4, :5]
    padded = torch.cat([ids, torch.zeros(1, 7, dtype=torch.long)], dim=1)
    mask = torch.cat([torch.ones(1, 5), torch.zeros(1, 7)], dim=1).long()
    with torch.no_grad():
        alone, together = model(ids), model(padded, mask)
    assert torch.all(together[0, 5:] == 0)
    torch.testing.assert_close(together[:, :5], alone, atol=TOLERANCE, rtol=0)


def test_load_state_dict_accepts_bert_prefix_and_ignores_heads(reference_cases):
    case = reference_cases[2]
    published = {f"bert.{k}": v for k, v in case["state_dict"].items()}
    published["cls.predictions.bias"] = torch.zeros(3)
    published["bert.embeddings.position_ids"] = torch.arange(4)
    model = DNABertS(case["config"])
    model.load_state_dict(published)
    with torch.no_grad():
        hidden = model.eval()(case["input_ids"], case["attention_mask"])
    torch.testing.assert_close(hidden, case["last_hidden_state"], atol=TOLERANCE, rtol=0)


def test_load_state_dict_rejects_missing_and_unknown_keys(reference_cases):
    state = dict(reference_cases[2]["state_dict"])
    model = DNABertS(reference_cases[2]["config"])
    with pytest.raises(RuntimeError, match="Unexpected"):
        model.load_state_dict({**state, "encoder.layer.9.extra": torch.zeros(1)})
    del state["encoder.layer.0.mlp.wo.bias"]
    with pytest.raises(RuntimeError, match="Missing"):
        model.load_state_dict(state)


def test_state_dict_has_published_names_only(reference_cases):
    case = reference_cases[0]
    expected = {k for k in case["state_dict"] if not k.startswith("pooler.")}
    assert set(DNABertS(case["config"]).state_dict()) == expected


def test_bfloat16_forward_stays_close(reference_cases):
    case = reference_cases[0]
    model = _model(case).to(torch.bfloat16)
    with torch.no_grad():
        hidden = model(case["input_ids"], case["attention_mask"]).float()
    assert torch.isfinite(hidden).all()
    torch.testing.assert_close(hidden, case["last_hidden_state"], atol=0.1, rtol=0.05)


@pytest.mark.parametrize(
    "change, message",
    [({"hidden_act": "swish"}, "hidden_act"), ({"num_attention_heads": 5}, "multiple")],
)
def test_bad_config_is_rejected(reference_cases, change, message):
    with pytest.raises(ValueError, match=message):
        DNABertS({**reference_cases[0]["config"], **change})
