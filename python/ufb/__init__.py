"""ufb: fast feedforward networks, UltraFastBERT and the BERT family on the CPU.

``ufb.Model`` loads a Hugging Face model directory (or the built-in ufb-mini-fff) and embeds,
fills masks, classifies and tokenizes texts; ``Model.encode`` has the semantics of
sentence-transformers' ``SentenceTransformer.encode``, so existing code switches by changing the
line that makes the model. ``ufb.fff_forward`` runs ufb's native FFF kernel on NumPy arrays.
Every call releases the GIL while it computes, and one Model serves many threads. Errors raise
``ufb.Error`` with the one-line message the ``ufb`` command line prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import _ufb
from ._ufb import Error

__all__ = ["Encoding", "Error", "Model", "fff_forward"]


@dataclass
class Encoding:
    """One tokenized input, with the fields of ``tokenizers``' Encoding.

    ``offsets`` are, as in ``tokenizers``, character offsets (start, stop) into the text each
    token came from (of a pair, the one its type id names), tracked through normalization, so
    that ``text[start:stop]`` is what the token stands for as typed ("Café" for "cafe");
    special tokens have (0, 0).
    """

    ids: list[int]
    type_ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]]
    attention_mask: list[int]
    truncated: bool


def _check_text(text: str, position: int) -> None:
    """Lone surrogates (from surrogateescape decoding, say) have no UTF-8 form."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise Error(f"input {position + 1}: not valid text ({error.reason} at character {error.start})") from None


def _texts(inputs, allow_pairs: bool):
    """(texts, pairs, single): a str or a list of str (or of (str, str) pairs where allowed)."""
    single = isinstance(inputs, (str, tuple))
    items = [inputs] if single else inputs
    if isinstance(items, (bytes, bytearray)) or not hasattr(items, "__iter__"):
        raise Error(f"expected a str or a list of str, got {type(inputs).__name__}")
    texts, pairs, any_pair = [], [], False
    for position, item in enumerate(items):
        if isinstance(item, str):
            _check_text(item, position)
            texts.append(item)
            pairs.append(None)
        elif allow_pairs and isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(t, str) for t in item):
            _check_text(item[0], position)
            _check_text(item[1], position)
            texts.append(item[0])
            pairs.append(item[1])
            any_pair = True
        else:
            wanted = "a str or a (str, str) pair" if allow_pairs else "a str"
            raise Error(f"input {position + 1}: expected {wanted}, got {type(item).__name__}")
    return texts, (pairs if any_pair else []), single


def _int(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Error(f"{name} must be an int, not {type(value).__name__}")
    return value


def _path(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise Error(f"expected a path (str or os.PathLike), got {type(value).__name__}")
    return os.fspath(value)


class Model:
    """A model with its tokenizer.

    Args:
        path: a Hugging Face model directory (config.json, model.safetensors or
            pytorch_model.bin, tokenizer.json or vocab.txt; a sentence-transformers directory's
            modules are run by ``encode``); None: the built-in ufb-mini-fff model.
        dtype: precision, "f32", "bf16" or "int8".
        threads: threads of ufb's one pool for the whole process (0: every core); the last
            Model made sets it.
        max_length: tokens per input (longer inputs are truncated); 0: the model's own limit
            (sentence-transformers' max_seq_length where the directory has one).
        tokenizer: a tokenizer.json or vocab.txt to use instead of the directory's.
        device: where the encoder runs: "cpu", "cuda" or "cuda:N" (a ufb built with its CUDA
            backend; f32 and bf16).
    """

    def __init__(self, path=None, dtype: str = "f32", threads: int = 0, max_length: int = 0, tokenizer=None,
                 device: str = "cpu"):
        _int("threads", threads)
        _int("max_length", max_length)
        for name, value in (("dtype", dtype), ("device", device)):
            if not isinstance(value, str):
                raise Error(f"{name} must be a str, not {type(value).__name__}")
        self._model = _ufb.TextModel(_path(path), dtype, threads, max_length, _path(tokenizer), device)
        self._device = device
        self._dimension = None

    @property
    def max_seq_length(self) -> int:
        """Tokens per input; longer inputs are truncated."""
        return self._model.max_length

    @property
    def hidden_size(self) -> int:
        return self._model.hidden_size

    @property
    def labels(self) -> list[str]:
        """The classification head's label names (config.json's id2label), if any."""
        return self._model.labels

    def get_sentence_embedding_dimension(self) -> int:
        """The width of ``encode``'s vectors (Dense modules may change it from hidden_size)."""
        if self._dimension is None:
            self._dimension = int(self._model.embed([""], [], None, False, None, 1).shape[1])
        return self._dimension

    def encode(
        self,
        sentences,
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        output_value: str | None = "sentence_embedding",
        precision: str = "float32",
        convert_to_numpy: bool = True,
        convert_to_tensor: bool = False,
        device: str | None = None,
        normalize_embeddings: bool | None = None,
        prompt: str | None = None,
        prompt_name: str | None = None,
        **kwargs,
    ):
        """Embeds sentences as ``SentenceTransformer.encode`` does.

        A str gives a 1-D array, a list a 2-D array [sentences, dimension]. The model
        directory's modules (pooling, Dense, Normalize) are run; ``normalize_embeddings=True``
        also scales each vector to unit length. ``output_value="token_embeddings"`` gives one
        array [tokens, hidden] per sentence (the final hidden states, never normalized). ``convert_to_numpy=False``
        gives a list of 1-D arrays. Inputs of similar lengths are batched together and answers
        come back in input order. ufb shows no progress bar (``show_progress_bar`` is accepted
        and ignored). What ufb does not do raises ufb.Error: tensors (``convert_to_tensor``),
        quantized ``precision``, a ``device`` other than the model's (chosen by
        ``ufb.Model(device=...)``), ``prompt_name`` and ``output_value=None``.
        """
        if convert_to_tensor:
            raise Error("convert_to_tensor is not supported: ufb returns NumPy arrays (torch.from_numpy wraps them without a copy)")
        if precision != "float32":
            raise Error(f"precision {precision!r} is not supported: ufb's embeddings are float32")
        if device not in (None, self._device):
            raise Error(f"device {device!r} is not the model's ({self._device!r}): choose it with ufb.Model(device=...)")
        if prompt_name is not None:
            raise Error("prompt_name is not supported: pass the prompt text as prompt=")
        if kwargs:
            raise Error(f"unsupported encode argument(s): {', '.join(sorted(kwargs))}")
        if output_value not in ("sentence_embedding", "token_embeddings"):
            raise Error(f"output_value {output_value!r} is not supported (expected 'sentence_embedding' or 'token_embeddings')")
        if isinstance(sentences, tuple):
            raise Error("expected a str or a list of str, got tuple")
        texts, _, single = _texts(sentences, allow_pairs=False)
        if prompt is not None:
            texts = [prompt + text for text in texts]
        normalize = True if normalize_embeddings else None
        per_token = output_value == "token_embeddings"
        if per_token:
            # sentence-transformers' token embeddings are the transformer's output: its Normalize
            # module and normalize_embeddings apply to sentence embeddings only.
            arrays = self._model.embed(texts, [], None, True, False, _int("batch_size", batch_size))
            return arrays[0] if single else arrays
        if not texts:
            return np.zeros((0, self.get_sentence_embedding_dimension()), dtype=np.float32) if convert_to_numpy else []
        vectors = self._model.embed(texts, [], None, False, normalize, _int("batch_size", batch_size))
        if single:
            return vectors[0]
        return vectors if convert_to_numpy else list(vectors)

    def embed(self, texts, pooling: str | None = None, normalize: bool | None = None, batch_size: int = 32,
              per_token: bool = False):
        """Like ``ufb embed``: one vector per text (or (text, text) pair), as an array.

        ``pooling`` ("mean", "first", "cls", "max", "mean_sqrt_len", "pooler") replaces the
        directory's pooling and Dense modules; None keeps them (else mean pooling).
        ``normalize`` None: as the model's modules say. ``per_token``: a list of arrays
        [tokens, hidden], one per input.
        """
        if pooling is not None and not isinstance(pooling, str):
            raise Error(f"pooling must be a str or None, not {type(pooling).__name__}")
        texts, pairs, single = _texts(texts, allow_pairs=True)
        normalize = None if normalize is None else bool(normalize)
        result = self._model.embed(texts, pairs, pooling, bool(per_token), normalize, _int("batch_size", batch_size))
        return result[0] if single else result

    def fill_mask(self, texts, top_k: int = 5, batch_size: int = 32):
        """Like ``ufb fill-mask``: per input, per mask token, {"position", "predictions"}, each
        prediction {"token", "id", "probability"}, best first."""
        texts, _, single = _texts(texts, allow_pairs=False)
        result = self._model.fill_mask(texts, _int("top_k", top_k), _int("batch_size", batch_size))
        return result[0] if single else result

    def classify(self, texts, batch_size: int = 32):
        """Like ``ufb classify``: {"logits": [inputs, labels], "probabilities": [inputs, labels]
        (None for regression heads), "label": [inputs] (the most likely label's index)}."""
        texts, pairs, single = _texts(texts, allow_pairs=True)
        result = self._model.classify(texts, pairs, _int("batch_size", batch_size))
        scores = result["probabilities"] if result["probabilities"] is not None else result["logits"]
        result["label"] = scores.argmax(axis=1) if scores.size else np.zeros(0, dtype=np.int64)
        if single:
            return {key: (None if value is None else value[0]) for key, value in result.items()}
        return result

    def tokenize(self, texts):
        """An Encoding per text (or (text, text) pair), truncated as the model's inputs are."""
        texts, pairs, single = _texts(texts, allow_pairs=True)
        encodings = [Encoding(**fields) for fields in self._model.tokenize(texts, pairs)]
        return encodings[0] if single else encodings

    def dump(self, input_ids, attention_mask=None, token_type_ids=None) -> dict[str, np.ndarray]:
        """Like ``ufb dump``: every intermediate state of a padded batch [batch, sequence] of token
        ids (right padding in attention_mask), by name (embeddings, layer_hidden, hidden,
        mlm_logits or cls_logits, and for FFF models fff_nodes, fff_leaves, fff_logits)."""
        def matrix(name, value):
            if value is None:
                return None
            try:
                array = np.ascontiguousarray(value, dtype=np.int64)
            except (TypeError, ValueError, OverflowError) as error:
                raise Error(f"{name}: expected integers, {error}") from None
            if array.ndim != 2:
                raise Error(f"{name}: expected a 2-D array [batch, sequence], got {array.ndim}-D")
            return array
        return self._model.dump(matrix("input_ids", input_ids), matrix("attention_mask", attention_mask),
                                matrix("token_type_ids", token_type_ids))


def _float32(name, value):
    """A C-contiguous float32 NumPy array of `value` (NumPy arrays, lists, or CPU tensors of any
    framework that speaks DLPack, such as torch, read without a copy where already float32)."""
    try:
        if not isinstance(value, np.ndarray) and hasattr(value, "__dlpack__"):
            value = np.from_dlpack(value)
        return np.ascontiguousarray(value, dtype=np.float32)
    except (TypeError, ValueError, RuntimeError, BufferError) as error:
        raise Error(f"fff_forward: {name}: expected a float32 array, {error}") from None


def fff_forward(x, w_in, b_in, w_out, depth: int, trees: int = 1):
    """ufb's native FFF kernel (docs/model.md §1) on float32 arrays.

    x [tokens, hidden]; w_in [trees * (2^(depth+1) - 1), hidden]; b_in [that many];
    w_out [that many, hidden] (row n: node n's output weights). Each tree is a heap: at each
    level a token computes l = x·w_in[node] + b_in[node], adds GELU_erf(l)·w_out[node] to its
    output and goes to 2·node+2 if l > 0 else 2·node+1; the trees' outputs add.

    Returns (y [tokens, hidden], leaves [tokens, trees], nodes [tokens, trees, depth + 1]):
    the last node and every node each token visited, indexed within its tree.
    """
    _int("fff_forward: depth", depth)
    _int("fff_forward: trees", trees)
    return _ufb.fff_forward(_float32("x", x), _float32("w_in", w_in), _float32("b_in", b_in),
                            _float32("w_out", w_out), depth, trees)
