"""`ufb serve` driven by the Python clients TEI and OpenAI users have: huggingface_hub's
InferenceClient (which POSTs to /) and the openai client (/v1/embeddings), against the real
server on a free port. Answers are compared with `ufb embed` / `classify` / `fill-mask` on the
same inputs. Run by scripts/python-tests.sh (part of scripts/test.sh's release phase)."""

import base64
import json
import subprocess

import numpy as np
import openai
import pytest
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError

from paths import CLI_TOKENIZER, DATA, UFB

EMBEDDING = [str(DATA / "sentence_transformers" / "mean_normalize")]
CLASSIFIER = [str(DATA / "model" / "fff_cls_avg"), "--tokenizer", CLI_TOKENIZER]
MASKED_LM = [str(DATA / "model" / "fff_mlm"), "--tokenizer", CLI_TOKENIZER]


class Server:
    def __init__(self, model_args):
        self.process = subprocess.Popen(
            [UFB, "serve", "--model", *model_args, "--port", "0", "--threads", "1"],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert "listening on http://" in line, f"ufb serve did not start: {line!r}"
        self.url = line.split("listening on ")[1].split()[0]

    def stop(self):
        self.process.terminate()
        assert self.process.wait(timeout=60) == 0


def serve(model_args):
    server = Server(model_args)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def embedding_url():
    yield from serve(EMBEDDING)


@pytest.fixture(scope="module")
def classifier_url():
    yield from serve(CLASSIFIER)


@pytest.fixture(scope="module")
def masked_lm_url():
    yield from serve(MASKED_LM)


def ufb_json_lines(command, model_args, *args):
    model, *rest = model_args
    output = subprocess.run([UFB, command, "--model", model, *rest, "--json", "--threads", "1", *args],
                            check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def ufb_embed(texts, normalize=True):
    lines = ufb_json_lines("embed", EMBEDDING, *(["--normalize"] if normalize else []), *texts)
    return np.array([line["embedding"] for line in lines], dtype=np.float32)


TEXTS = ["paris is big", "rome is old", "a small city"]


def test_feature_extraction_equals_ufb_embed(embedding_url):
    client = InferenceClient(base_url=embedding_url)
    expected = ufb_embed(TEXTS[:1])
    np.testing.assert_allclose(client.feature_extraction(TEXTS[0]), expected, atol=1e-5)
    # The test model's pipeline ends in Normalize, which `ufb embed` applies; the server leaves
    # normalization to the request, as TEI does: the raw vector has the same direction.
    raw = client.feature_extraction(TEXTS[0], normalize=False)
    assert abs(np.linalg.norm(raw) - 1) > 0.1
    np.testing.assert_allclose(raw / np.linalg.norm(raw), expected, atol=1e-5)


def test_feature_extraction_dimensions_truncates_then_normalizes(embedding_url):
    vector = InferenceClient(base_url=embedding_url).feature_extraction(TEXTS[1], dimensions=8)
    head = ufb_embed(TEXTS[1:2], normalize=False)[:, :8]
    np.testing.assert_allclose(vector, head / np.linalg.norm(head), atol=1e-5)


def test_sentence_similarity_is_the_cosine_of_ufb_embeddings(embedding_url):
    scores = InferenceClient(base_url=embedding_url).sentence_similarity(TEXTS[0], other_sentences=TEXTS[1:])
    vectors = ufb_embed(TEXTS)
    np.testing.assert_allclose(scores, vectors[1:] @ vectors[0], atol=1e-5)


def test_text_classification_gives_ufb_classifys_best_label(classifier_url):
    answer = InferenceClient(base_url=classifier_url).text_classification(TEXTS[0])
    expected = ufb_json_lines("classify", CLASSIFIER, TEXTS[0])[0]
    best = int(np.argmax(expected["probabilities"]))
    # TEI answers /predict for one text as one list, which InferenceClient reads as its first
    # (best) element, as it does against TEI itself.
    element = answer[0] if isinstance(answer, list) else answer
    assert element.label == f"LABEL_{best}"
    assert element.score == pytest.approx(expected["probabilities"][best], abs=1e-5)


def test_fill_mask_equals_ufb_fill_mask(masked_lm_url):
    text = "paris is the [MASK] of france ."
    answer = InferenceClient(base_url=masked_lm_url).fill_mask(text, top_k=3)
    expected = ufb_json_lines("fill-mask", MASKED_LM, "--top-k", "3", text)[0]["masks"][0]["predictions"]
    assert [element.token for element in answer] == [p["id"] for p in expected]
    np.testing.assert_allclose([element.score for element in answer], [p["probability"] for p in expected], atol=1e-5)
    assert all(element.sequence.startswith("paris is the ") for element in answer)


def openai_client(url):
    return openai.OpenAI(base_url=url + "/v1", api_key="unused")


def as_vector(embedding):
    if isinstance(embedding, str):  # encoding_format="base64" asked for explicitly: left to the caller
        return np.frombuffer(base64.b64decode(embedding), dtype="<f4")
    return np.array(embedding, dtype=np.float32)


# None: the client's default, which asks for base64 and decodes it itself.
@pytest.mark.parametrize("encoding_format", [None, "float", "base64"])
def test_openai_embeddings_equal_ufb_embed(embedding_url, encoding_format):
    options = {} if encoding_format is None else {"encoding_format": encoding_format}
    response = openai_client(embedding_url).embeddings.create(model="mean_normalize", input=TEXTS, **options)
    vectors = np.array([as_vector(item.embedding) for item in sorted(response.data, key=lambda item: item.index)])
    np.testing.assert_allclose(vectors, ufb_embed(TEXTS), atol=1e-5)
    assert response.usage.prompt_tokens == response.usage.total_tokens > len(TEXTS)


def test_openai_embeddings_dimensions(embedding_url):
    response = openai_client(embedding_url).embeddings.create(model="m", input=TEXTS[0], dimensions=16)
    head = ufb_embed(TEXTS[:1], normalize=False)[0, :16]
    np.testing.assert_allclose(response.data[0].embedding, head / np.linalg.norm(head), atol=1e-5)


def test_openai_errors_reach_the_client_with_their_status_and_message(embedding_url):
    client = openai_client(embedding_url)
    with pytest.raises(openai.BadRequestError, match="cannot be empty"):
        client.embeddings.create(model="m", input=[])
    with pytest.raises(openai.UnprocessableEntityError, match="`dimensions` 64 is larger"):
        client.embeddings.create(model="m", input="a", dimensions=64)
    with pytest.raises(openai.APIStatusError, match="batch size 40 > maximum allowed batch size 32") as error:
        client.embeddings.create(model="m", input=["a"] * 40)
    assert error.value.status_code == 413
    assert [model.id for model in client.models.list()] == ["mean_normalize"]


def test_inference_client_errors_carry_the_servers_message(embedding_url):
    with pytest.raises(HfHubHTTPError, match="422"):
        InferenceClient(base_url=embedding_url).feature_extraction(TEXTS[0], dimensions=64)
