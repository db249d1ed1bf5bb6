"""Model.tokenize's offsets against `tokenizers`' (tools/make_python_offset_goldens.py wrote the
goldens): character offsets into each token's text, exact through the normalizer."""

import json

import pytest
import ufb

from paths import CLI_TOKENIZER, DATA

GOLDENS = json.loads((DATA / "python" / "tokenize_offsets.json").read_text(encoding="utf-8"))
INPUTS = [tuple(text) if isinstance(text, list) else text for text in GOLDENS["texts"]]


@pytest.fixture(scope="module")
def builtin():
    return ufb.Model()


@pytest.mark.parametrize("name", ["builtin", "test_models"])
def test_tokenize_offsets_equal_tokenizers(builtin, name):
    model = builtin if name == "builtin" else ufb.Model(DATA / "model" / "fff_mlm", tokenizer=CLI_TOKENIZER)
    for text, encoding, expected in zip(INPUTS, model.tokenize(INPUTS), GOLDENS[name]):
        assert encoding.ids == expected["ids"], text
        assert encoding.offsets == [tuple(offset) for offset in expected["offsets"]], text


def test_offsets_give_the_text_as_typed(builtin):
    text = "Café Crème"
    encoding = builtin.tokenize(text)
    assert encoding.tokens[1:-1] != ["Café", "Crème"]  # normalized: lowercase, no accents
    assert text[encoding.offsets[1][0]:encoding.offsets[-2][1]] == text
    assert encoding.offsets[0] == encoding.offsets[-1] == (0, 0)  # [CLS], [SEP]
