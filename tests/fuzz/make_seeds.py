#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (tests/fuzz/seeds/): a few tiny valid safetensors and IDX files, so libFuzzer
starts from inputs that reach deep into the loaders. Run it again after changing it; its output is committed."""
import json
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes); returns the file's bytes (8-byte aligned header)."""
    header, offset, data = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def idx(dims, values):
    return struct.pack(">BBBB", 0, 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def write(folder, name, content):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(content)


write("safetensors", "linear", safetensors(
    [("bias", "F32", [2], struct.pack("<2f", 0.5, -1.0)),
     ("weight", "F32", [2, 3], struct.pack("<6f", *range(6)))], {"format": "pt"}))
write("safetensors", "mixed", safetensors(
    [("a", "F64", [1], struct.pack("<d", 2.5)), ("n", "I64", [2], struct.pack("<2q", 7, -3)),
     ("s", "F32", [], struct.pack("<f", 1.0)), ("z", "F32", [0, 4], b"")]))
write("safetensors", "empty", safetensors([]))
write("idx", "images", idx([2, 3, 3], range(18)))
write("idx", "labels", idx([4], [0, 9, 3, 1]))
