"""Model.encode on the real all-MiniLM-L6-v2 (scripts/fetch-models.sh) against
SentenceTransformer.encode of the same sentences: tests/data/minilm/stsb_dev_head.safetensors,
recorded by tools/make_minilm_goldens.py from sentence-transformers with the model in float64."""

import numpy as np
import pytest

import ufb
from paths import DATA, model_cache, ufb_json_lines
from safetensors_reader import read_safetensors

MODEL = model_cache() / "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def minilm():
    if not (MODEL / "config.json").is_file():
        pytest.skip(f"{MODEL} is missing (scripts/fetch-models.sh fetches it)")
    return ufb.Model(MODEL)


@pytest.fixture(scope="module")
def sentences():
    return (DATA / "minilm" / "stsb_dev_head.txt").read_text().splitlines()


def test_encode_equals_sentence_transformers(minilm, sentences):
    expected = read_safetensors(DATA / "minilm" / "stsb_dev_head.safetensors")["embeddings"]
    actual = minilm.encode(sentences, batch_size=32)
    assert actual.shape == expected.shape == (256, 384)
    cosines = np.sum(actual * expected, axis=1) / (np.linalg.norm(actual, axis=1) * np.linalg.norm(expected, axis=1))
    # The tolerance of tests/model/real_model_test.cc's check of `ufb embed`.
    assert cosines.min() >= 0.99999
    assert np.abs(actual.astype(np.float64) - expected).max() <= 1e-5


def test_encode_equals_ufb_embed(minilm, sentences):
    lines = ufb_json_lines("embed", "--model", MODEL, *sentences[:40])
    np.testing.assert_allclose(minilm.encode(sentences[:40]), [line["embedding"] for line in lines], rtol=0, atol=2e-6)


def test_threads_sharing_the_model_get_serial_answers(minilm, sentences):
    from concurrent.futures import ThreadPoolExecutor

    serial = minilm.encode(sentences[:64], batch_size=16)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: minilm.encode(sentences[:64], batch_size=16), range(8)))
    for answer in answers:
        np.testing.assert_array_equal(answer, serial)


def test_single_sentence_is_one_vector(minilm, sentences):
    vector = minilm.encode(sentences[0])
    assert vector.shape == (384,)
    np.testing.assert_allclose(np.linalg.norm(vector), 1.0, atol=1e-6)
