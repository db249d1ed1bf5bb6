"""Type stubs of ufb (see __init__.py for the documentation of each call)."""

import os
from dataclasses import dataclass
from typing import Any, Literal, Sequence, overload

import numpy as np
import numpy.typing as npt

__all__ = ["Encoding", "Error", "Model", "fff_forward"]

class Error(Exception):
    """Bad input or an unsupported request; the message is the command line's one line."""

_Path = str | os.PathLike[str]
_Input = str | tuple[str, str]
_F32 = npt.NDArray[np.float32]

@dataclass
class Encoding:
    ids: list[int]
    type_ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]]
    attention_mask: list[int]
    truncated: bool

class Model:
    def __init__(self, path: _Path | None = None, dtype: Literal["f32", "bf16"] = "f32", threads: int = 0,
                 max_length: int = 0, tokenizer: _Path | None = None) -> None: ...
    @property
    def max_seq_length(self) -> int: ...
    @property
    def hidden_size(self) -> int: ...
    @property
    def labels(self) -> list[str]: ...
    def get_sentence_embedding_dimension(self) -> int: ...
    @overload
    def encode(self, sentences: str, batch_size: int = 32, show_progress_bar: bool | None = None,
               output_value: Literal["sentence_embedding"] = "sentence_embedding", precision: str = "float32",
               convert_to_numpy: bool = True, convert_to_tensor: Literal[False] = False, device: str | None = None,
               normalize_embeddings: bool | None = None, prompt: str | None = None,
               prompt_name: None = None) -> _F32: ...
    @overload
    def encode(self, sentences: Sequence[str], batch_size: int = 32, show_progress_bar: bool | None = None,
               output_value: Literal["sentence_embedding"] = "sentence_embedding", precision: str = "float32",
               convert_to_numpy: bool = True, convert_to_tensor: Literal[False] = False, device: str | None = None,
               normalize_embeddings: bool | None = None, prompt: str | None = None,
               prompt_name: None = None) -> _F32 | list[_F32]: ...
    @overload
    def encode(self, sentences: str | Sequence[str], batch_size: int = 32, show_progress_bar: bool | None = None,
               output_value: Literal["token_embeddings"] = ..., precision: str = "float32",
               convert_to_numpy: bool = True, convert_to_tensor: Literal[False] = False, device: str | None = None,
               normalize_embeddings: bool | None = None, prompt: str | None = None,
               prompt_name: None = None) -> _F32 | list[_F32]: ...
    @overload
    def embed(self, texts: _Input, pooling: str | None = None, normalize: bool | None = None, batch_size: int = 32,
              per_token: bool = False) -> _F32: ...
    @overload
    def embed(self, texts: Sequence[_Input], pooling: str | None = None, normalize: bool | None = None,
              batch_size: int = 32, per_token: bool = False) -> _F32 | list[_F32]: ...
    def fill_mask(self, texts: str | Sequence[str], top_k: int = 5, batch_size: int = 32) -> list[Any]: ...
    def classify(self, texts: _Input | Sequence[_Input], batch_size: int = 32) -> dict[str, Any]: ...
    @overload
    def tokenize(self, texts: _Input) -> Encoding: ...
    @overload
    def tokenize(self, texts: Sequence[_Input]) -> list[Encoding]: ...
    def dump(self, input_ids: npt.ArrayLike, attention_mask: npt.ArrayLike | None = None,
             token_type_ids: npt.ArrayLike | None = None) -> dict[str, np.ndarray]: ...

def fff_forward(x: npt.ArrayLike, w_in: npt.ArrayLike, b_in: npt.ArrayLike, w_out: npt.ArrayLike, depth: int,
                trees: int = 1) -> tuple[_F32, npt.NDArray[np.int32], npt.NDArray[np.int32]]: ...
