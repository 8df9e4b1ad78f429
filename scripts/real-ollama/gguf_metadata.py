"""Prints a GGUF file's metadata strings and numbers (arrays are summarised), to learn what a
packaged model really is: general.name, general.finetune, general.architecture, the chat template.

    python3 gguf_metadata.py FILE.gguf [KEY_PREFIX]
"""
import struct
import sys

SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def read(handle, fmt):
    size = struct.calcsize("<" + fmt)
    return struct.unpack("<" + fmt, handle.read(size))[0]


def read_string(handle):
    return handle.read(read(handle, "Q")).decode("utf-8", "replace")


def read_value(handle, kind):
    if kind in SCALARS:
        return read(handle, SCALARS[kind])
    if kind == 8:
        return read_string(handle)
    if kind == 9:
        item_kind, count = read(handle, "I"), read(handle, "Q")
        items = [read_value(handle, item_kind) for _ in range(count)]
        return f"[{count} items]" if count > 8 else items
    raise ValueError(f"unknown GGUF value type {kind}")


def main():
    path, prefix = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    with open(path, "rb") as handle:
        if handle.read(4) != b"GGUF":
            sys.exit(f"{path}: not a GGUF file")
        version, _tensors, count = read(handle, "I"), read(handle, "Q"), read(handle, "Q")
        print(f"gguf version {version}, {count} metadata keys")
        for _ in range(count):
            key = read_string(handle)
            value = read_value(handle, read(handle, "I"))
            if key.startswith(prefix):
                print(f"{key} = {value!r}"[:2000])


if __name__ == "__main__":
    main()
