"""Bad input to the Python module raises ufb.Error with the command line's one-line message,
and never crashes the interpreter."""

import numpy as np
import pytest

import ufb
from paths import CLI_TOKENIZER, DATA, ufb_error, ufb_tokenize


def test_missing_model_directory(tmp_path):
    with pytest.raises(ufb.Error, match=r"no-such-model: no such model directory$"):
        ufb.Model(tmp_path / "no-such-model")


def test_model_directory_without_config_has_the_cli_message(tmp_path):
    with pytest.raises(ufb.Error) as error:
        ufb.Model(tmp_path)
    assert str(error.value) == ufb_error("embed", "--model", tmp_path, "text")


def test_truncated_weights_have_the_cli_message(tmp_path):
    directory = tmp_path / "model"
    directory.mkdir()
    source = DATA / "model" / "fff_mlm"
    (directory / "config.json").write_bytes((source / "config.json").read_bytes())
    (directory / "model.safetensors").write_bytes((source / "model.safetensors").read_bytes()[:1000])
    with pytest.raises(ufb.Error) as error:
        ufb.Model(directory, tokenizer=CLI_TOKENIZER)
    assert str(error.value) == ufb_error("embed", "--model", directory, "--tokenizer", CLI_TOKENIZER, "text")
    assert "\n" not in str(error.value)


def test_input_without_mask_has_the_cli_message():
    with pytest.raises(ufb.Error) as error:
        ufb.Model().fill_mask(["the [MASK] is here", "no mask here"])
    assert str(error.value) == ufb_error("fill-mask", "the [MASK] is here", "no mask here")


def test_max_length_over_the_models_limit():
    with pytest.raises(ufb.Error, match=r"^max_length 100000 exceeds the model's max_seq_length \d+$"):
        ufb.Model(max_length=100_000)


@pytest.mark.parametrize("arguments,message", [
    (dict(dtype="f16"), r"f16"),
    (dict(threads=-1), r"threads must be 0 \(every core\) or more, not -1"),
    (dict(threads="2"), r"threads must be an int, not str"),
    (dict(path=""), r"the model path is empty"),
    (dict(path=3), r"expected a path"),
    (dict(device="gpu"), r"^unknown device 'gpu' \(expected cpu, cuda or cuda:N\)$"),
    (dict(device="cuda:-1"), r"unknown device 'cuda:-1'"),
    (dict(device=0), r"device must be a str, not int"),
])
def test_bad_model_options(arguments, message):
    with pytest.raises(ufb.Error, match=message):
        ufb.Model(**arguments)


def test_a_gpu_this_module_cannot_use_is_one_line():
    # The wheel is built without the CUDA backend unless asked; with it, this machine may have no GPU.
    with pytest.raises(ufb.Error, match=r"^device cuda:0: (this ufb was built without the CUDA backend|no CUDA GPU found)"):
        ufb.Model(device="cuda")


@pytest.fixture(scope="module")
def model():
    return ufb.Model()


@pytest.mark.parametrize("call,message", [
    (lambda m: m.encode([1, 2]), r"input 1: expected a str, got int"),
    (lambda m: m.encode(None), r"expected a str or a list of str, got NoneType"),
    (lambda m: m.encode(b"bytes"), r"expected a str or a list of str, got bytes"),
    (lambda m: m.encode(["a"], convert_to_tensor=True), r"convert_to_tensor is not supported"),
    (lambda m: m.encode(["a"], output_value=None), r"output_value None is not supported"),
    (lambda m: m.encode(["a"], precision="int8"), r"precision 'int8' is not supported"),
    (lambda m: m.encode(["a"], device="cuda"), r"device 'cuda' is not the model's \('cpu'\): choose it with ufb.Model\(device=...\)"),
    (lambda m: m.encode(["a"], batch_size=0), r"batch_size must be at least 1, not 0"),
    (lambda m: m.encode(["a"], batch_size=2.5), r"batch_size must be an int, not float"),
    (lambda m: m.encode(["a"], no_such_option=1), r"unsupported encode argument\(s\): no_such_option"),
    (lambda m: m.encode(["a\udcff"]), r"input 1: not valid text"),
    (lambda m: m.embed(["a"], pooling="median"), r"unknown pooling 'median'"),
    (lambda m: m.embed([("a", 3)]), r"input 1: expected a str or a \(str, str\) pair, got tuple"),
    (lambda m: m.fill_mask(["[MASK]"], top_k=0), r"top_k must be at least 1, not 0"),
    (lambda m: m.classify(["a"]), r"classify needs a classification model, built-in ufb-mini-fff/model.safetensors holds a masked-LM model"),
    (lambda m: m.dump([[1, 2, 3]], [[1, 0, 1]]), r"mask"),
    (lambda m: m.dump([[1, 2, 10**9]]), r"10+"),
    (lambda m: m.dump([1, 2, 3]), r"input_ids: expected a 2-D array \[batch, sequence\], got 1-D"),
    (lambda m: m.dump([["a"]]), r"input_ids: expected integers"),
    (lambda m: m.dump([[1, 2]], [[1, 1, 1]]), r"attention_mask has shape \[1, 3\], input_ids \[1, 2\]"),
])
def test_bad_calls_raise(model, call, message):
    with pytest.raises(ufb.Error, match=message):
        call(model)


def test_long_inputs_are_truncated_as_the_cli_truncates():
    text = "one two three four five six seven"
    encoding = ufb.Model(max_length=4).tokenize(text)
    assert encoding.truncated and len(encoding.ids) == 4
    assert encoding.ids == ufb_tokenize([text], "--max-length", "4")[0]["ids"]


def test_model_still_answers_after_errors(model):
    for _ in range(3):
        with pytest.raises(ufb.Error):
            model.fill_mask(["no mask"])
    assert model.encode(["fine"]).shape[0] == 1
