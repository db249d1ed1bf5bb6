"""Reads a .safetensors file's F32 / I32 / I64 tensors into NumPy arrays (the format: an 8-byte
little-endian header length, a JSON header of name -> dtype, shape, data_offsets, then the data),
so that the tests need no safetensors package."""

import json
import pathlib

import numpy as np

DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64}


def read_safetensors(path: pathlib.Path) -> dict:
    data = pathlib.Path(path).read_bytes()
    header_length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_length])
    body = data[8 + header_length:]
    arrays = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] not in DTYPES:
            continue
        begin, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return arrays
