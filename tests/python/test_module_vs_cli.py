"""The Python module (`import ufb`) against the ufb command line: the same model, inputs and
options give the same answers, on the built-in model and the test models of tests/data."""

import numpy as np
import pytest

import ufb
from paths import CLI_TOKENIZER, DATA, run_ufb, ufb_json_lines, ufb_tokenize

MASKED = ["the [MASK] of the house.", "paris is the [MASK] of [MASK].", "a [MASK]"]
TEXTS = ["a man is playing a guitar.", "someone plays the guitar", "the cat sat on the mat, quietly", "x"]
PAIRS = [("a man is playing a guitar.", "someone plays the guitar"), ("a dog", "")]

SENTENCE_MODELS = ["mean_normalize", "cls_dense_tanh", "max_meansqrt"]
CLASSIFIERS = ["fff_cls_avg", "fff_cls_zero_index"]  # single-label; regression


def check_classification(result, lines):
    """Model.classify's result against `ufb classify --json` lines (a "score" for regression)."""
    if "score" in lines[0]:
        assert result["probabilities"] is None
        close(result["logits"][:, 0], [line["score"] for line in lines])
        return
    close(result["logits"], [line["logits"] for line in lines])
    close(result["probabilities"], [line["probabilities"] for line in lines])
    assert list(result["label"]) == [line["label"] for line in lines]


def close(actual, expected):
    """Equal up to float32 rounding relative to the output's scale (the CLI prints JSON floats
    exactly, but threads may sum in another order)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=2e-6 * scale)


def cli_fill_mask(model_args, texts, top_k=5):
    return ufb_json_lines("fill-mask", *model_args, "--top-k", top_k, *texts)


def check_fill_mask(model, model_args):
    expected = cli_fill_mask(model_args, MASKED, top_k=3)
    actual = model.fill_mask(MASKED, top_k=3)
    assert len(actual) == len(expected)
    for masks, line in zip(actual, expected):
        assert [m["position"] for m in masks] == [m["position"] for m in line["masks"]]
        for mask, cli_mask in zip(masks, line["masks"]):
            assert [p["id"] for p in mask["predictions"]] == [p["id"] for p in cli_mask["predictions"]]
            assert [p["token"] for p in mask["predictions"]] == [p["token"] for p in cli_mask["predictions"]]
            close([p["probability"] for p in mask["predictions"]], [p["probability"] for p in cli_mask["predictions"]])


@pytest.fixture(scope="module")
def builtin():
    return ufb.Model()


def test_builtin_fill_mask_equals_cli(builtin):
    check_fill_mask(builtin, [])


def test_builtin_single_text_gives_one_answer(builtin):
    assert builtin.fill_mask("the [MASK] of the house.") == builtin.fill_mask(["the [MASK] of the house."])[0]


def test_builtin_embed_equals_cli(builtin):
    expected = [line["embedding"] for line in ufb_json_lines("embed", *TEXTS)]
    close(builtin.embed(TEXTS), expected)
    close(builtin.encode(TEXTS), expected)


def test_builtin_tokenize_equals_cli(builtin):
    lines = ufb_tokenize(TEXTS)
    encodings = builtin.tokenize(TEXTS)
    assert [e.ids for e in encodings] == [line["ids"] for line in lines]
    assert [e.tokens for e in encodings] == [line["tokens"] for line in lines]
    for encoding in encodings:
        assert encoding.attention_mask == [1] * len(encoding.ids)
        assert encoding.type_ids == [0] * len(encoding.ids)


def test_tokenize_offsets_point_at_the_tokens(builtin):
    text = "Paris is the capital."
    encoding = builtin.tokenize(text)
    assert encoding.offsets[0] == (0, 0) and encoding.offsets[-1] == (0, 0)  # [CLS], [SEP]
    for token, offset in zip(encoding.tokens[1:-1], encoding.offsets[1:-1]):
        assert offset is not None
        assert text[offset[0]:offset[1]].lower() == token.removeprefix("##")


def test_fill_mask_on_test_model_equals_cli():
    model = ufb.Model(DATA / "model" / "fff_mlm", tokenizer=CLI_TOKENIZER)
    check_fill_mask(model, ["--model", DATA / "model" / "fff_mlm", "--tokenizer", CLI_TOKENIZER])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classify_equals_cli(name):
    directory = DATA / "model" / name
    model = ufb.Model(directory, tokenizer=CLI_TOKENIZER)
    lines = ufb_json_lines("classify", "--model", directory, "--tokenizer", CLI_TOKENIZER, *TEXTS)
    check_classification(model.classify(TEXTS), lines)


def test_classify_pairs_equal_cli(tmp_path):
    directory = DATA / "model" / "fff_cls_zero_index"
    pairs_file = tmp_path / "pairs.tsv"
    pairs_file.write_text("".join(f"{a}\t{b}\n" for a, b in PAIRS))
    lines = ufb_json_lines("classify", "--model", directory, "--tokenizer", CLI_TOKENIZER, "--file", pairs_file)
    check_classification(ufb.Model(directory, tokenizer=CLI_TOKENIZER).classify(PAIRS), lines)


@pytest.mark.parametrize("name", SENTENCE_MODELS)
def test_sentence_transformers_directory_embed_equals_cli(name):
    directory = DATA / "sentence_transformers" / name
    model = ufb.Model(directory)
    close(model.encode(TEXTS), [line["embedding"] for line in ufb_json_lines("embed", "--model", directory, *TEXTS)])
    lines = ufb_json_lines("embed", "--model", directory, "--pooling", "mean", "--no-normalize", *TEXTS)
    close(model.embed(TEXTS, pooling="mean", normalize=False), [line["embedding"] for line in lines])


@pytest.mark.parametrize("name", SENTENCE_MODELS)
def test_encode_equals_sentence_transformers_goldens(name):
    """goldens.safetensors holds SentenceTransformer.encode of texts.txt
    (tools/make_sentence_transformers_goldens.py)."""
    from safetensors_reader import read_safetensors

    directory = DATA / "sentence_transformers" / name
    texts = [line for line in (directory / "texts.txt").read_text().splitlines() if line]
    expected = read_safetensors(directory / "goldens.safetensors")["embeddings"]
    close(ufb.Model(directory).encode(texts), expected)


def test_token_embeddings_equal_cli():
    directory = DATA / "sentence_transformers" / "mean_normalize"
    model = ufb.Model(directory)
    lines = ufb_json_lines("embed", "--model", directory, "--pooling", "none", "--no-normalize", *TEXTS)
    arrays = model.encode(TEXTS, output_value="token_embeddings")
    assert len(arrays) == len(TEXTS)
    for array, line in zip(arrays, lines):
        close(array, line["tokens"])
    close(model.encode(TEXTS[0], output_value="token_embeddings"), lines[0]["tokens"])


def test_encode_shapes_follow_sentence_transformers(builtin):
    one = builtin.encode("a text")
    many = builtin.encode(["a text", "another"])
    assert one.shape == (builtin.get_sentence_embedding_dimension(),) and one.dtype == np.float32
    assert many.shape == (2, builtin.get_sentence_embedding_dimension())
    close(one, many[0])
    assert builtin.encode([]).shape == (0, builtin.get_sentence_embedding_dimension())
    as_list = builtin.encode(["a text", "another"], convert_to_numpy=False)
    assert isinstance(as_list, list) and len(as_list) == 2
    normalized = builtin.encode(["a text"], normalize_embeddings=True)
    close(np.linalg.norm(normalized, axis=1), [1.0])
    close(builtin.encode(["a text"], prompt="query: "), builtin.encode(["query: a text"]))


def test_dump_equals_cli(tmp_path):
    directory = DATA / "model" / "fff_mlm"
    ids = np.load(directory / "input_ids.npy")
    mask = np.load(directory / "attention_mask.npy")
    result = run_ufb("dump", "--model", directory, "--input-ids", directory / "input_ids.npy",
                     "--attention-mask", directory / "attention_mask.npy", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    arrays = ufb.Model(directory, tokenizer=CLI_TOKENIZER).dump(ids, mask)
    assert sorted(arrays) == sorted(path.stem for path in tmp_path.glob("*.npy"))
    for name, array in arrays.items():
        expected = np.load(tmp_path / f"{name}.npy")
        assert array.dtype == expected.dtype and array.shape == expected.shape, name
        if array.dtype == np.int32:
            np.testing.assert_array_equal(array, expected)
        else:
            close(array, expected)
