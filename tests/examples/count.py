#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count XML files the way xmlwalk reports them, with Python's expat.

An independent check of xmlwalk's output: another parser, another language,
the same definitions. Prints "key value" lines: files, elements,
attributes, text_bytes and checksum (the sum modulo 2^64 of each file's
FNV-1a 64 hash over the serialization that examples/xmlwalk/xmlwalk.h
describes). Namespace declarations are not attributes; attribute defaults
that the internal DTD subset declares are.

Usage: count.py FILE...
"""
import sys
import xml.parsers.expat

FNV_OFFSET_BASIS = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1

MARK_END_NAME = b"\x00"
MARK_START = b"\x01"
MARK_ATTRIBUTE = b"\x02"
MARK_END_ELEMENT = b"\x03"


def fnv_add(state, data):
    for byte in data:
        state = ((state ^ byte) * FNV_PRIME) & MASK
    return state


def count_file(path):
    """Return (elements, attributes, text_bytes, checksum) of one file."""
    counts = {"elements": 0, "attributes": 0, "text_bytes": 0}
    serialized = bytearray()

    def start(name, attributes):
        counts["elements"] += 1
        serialized.extend(MARK_START + name.encode() + MARK_END_NAME)
        for i in range(0, len(attributes), 2):
            key, value = attributes[i], attributes[i + 1]
            if key == "xmlns" or key.startswith("xmlns:"):
                continue
            counts["attributes"] += 1
            serialized.extend(MARK_ATTRIBUTE + key.encode() + MARK_END_NAME)
            serialized.extend(value.encode() + MARK_END_NAME)

    def end(name):
        serialized.extend(MARK_END_ELEMENT)

    def text(data):
        encoded = data.encode()
        counts["text_bytes"] += len(encoded)
        serialized.extend(encoded)

    parser = xml.parsers.expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with open(path, "rb") as stream:
        parser.ParseFile(stream)
    checksum = fnv_add(FNV_OFFSET_BASIS, serialized)
    return counts["elements"], counts["attributes"], counts["text_bytes"], checksum


def main(paths):
    totals = [0, 0, 0, 0]
    for path in paths:
        for i, value in enumerate(count_file(path)):
            totals[i] += value
    print(f"files {len(paths)}")
    print(f"elements {totals[0]}")
    print(f"attributes {totals[1]}")
    print(f"text_bytes {totals[2]}")
    print(f"checksum {totals[3] & MASK:016x}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: count.py FILE...")
    main(sys.argv[1:])
