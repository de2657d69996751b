#!/usr/bin/env python3
"""An independent safetensors reader (Python 3 standard library only) to check what tensorgrad writes.

Usage: read_safetensors.py FILE [--expect LINE ...]

Prints the file's metadata and tensors, one line each:
    metadata format=pt
    fc1.weight F32 [2, 2] 0.5 -1.25 2.0 0.10000000149011612
Values are Python's repr of each element (float32 widened exactly to a double). With --expect, the listing
must equal the given lines exactly, in order; the exit status is 1 otherwise (for ctest).

It follows the format, not tensorgrad's code: an 8-byte little-endian header length, a UTF-8 JSON header,
then the little-endian data that data_offsets index; it also checks what a careful writer guarantees (header
padded to 8 bytes, unique names, tensors tiling the data section exactly).
"""
import argparse
import json
import struct
import sys

# safetensors dtype -> (struct format character, bytes per element)
DTYPES = {"F32": ("f", 4), "F64": ("d", 8), "I64": ("q", 8)}


class FormatError(Exception):
    pass


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise FormatError(f"duplicate key {k!r} in the header")
    return dict(pairs)


def read(path):
    """Returns (metadata dict, [(name, dtype, shape, values)]) in data order."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise FormatError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise FormatError(f"header length {n} exceeds the file")
    if (8 + n) % 8 != 0:
        raise FormatError("header is not padded to 8-byte alignment")
    header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("__metadata__ must map strings to strings")

    tensors = []
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"{name}: fields {sorted(info)}")
        code, size = DTYPES[info["dtype"]]
        count = 1
        for d in info["shape"]:
            count *= d
        begin, end = info["data_offsets"]
        if end - begin != count * size:
            raise FormatError(f"{name}: {end - begin} bytes for {count} elements of {info['dtype']}")
        values = struct.unpack(f"<{count}{code}", data[begin:end])
        tensors.append((begin, end, name, info["dtype"], info["shape"], values))
    tensors.sort()
    covered = 0
    for begin, end, name, *_ in tensors:
        if begin != covered:
            raise FormatError(f"{name}: data_offsets start at {begin}, expected {covered}")
        covered = end
    if covered != len(data):
        raise FormatError(f"tensors cover {covered} of {len(data)} data bytes")
    return metadata, [t[2:] for t in tensors]


def listing(path):
    metadata, tensors = read(path)
    lines = [f"metadata {k}={v}" for k, v in metadata.items()]
    for name, dtype, shape, values in tensors:
        shape_text = "[" + ", ".join(str(d) for d in shape) + "]"
        lines.append(" ".join([name, dtype, shape_text] + [repr(v) for v in values]))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect", action="append", help="an expected output line (repeat, in order)")
    args = parser.parse_args()
    try:
        lines = listing(args.file)
    except (FormatError, KeyError, ValueError, struct.error) as e:
        print(f"{args.file}: invalid safetensors file: {e!r}")
        return 1
    print("\n".join(lines))
    if args.expect is not None and lines != args.expect:
        print("MISMATCH: expected")
        print("\n".join(args.expect))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
