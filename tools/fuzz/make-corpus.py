#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the lifetime engine's fuzz target into corpus/.

Each event is 8 bytes, decoded by decode_event() in engine_fuzz.c: the event
type, a signed time step, then pid/tid/trace, m/depth, addresses, id/cycle,
size, and flags. The seeds are small valid sequences that the fuzzer mutates.
"""
import os

TYPES = dict(thread_attach=0, thread_detach=1, cgocall_entry=2, cgocall_exit=3,
             callback_entry=4, callback_exit=5, cgo_allocate=6, release=7, gc_start=8,
             gc_end=9, object_free=10, alloc=11, malloc=12, calloc=13, realloc=14, free=15,
             memalign=16, posix_memalign=17, discarded=18)


def event(name, dt=1, b2=0x24, b3=0x05, b4=0x00, b5=0x09, b6=0x08, b7=0x00):
    return bytes([TYPES[name], dt & 0xff, b2, b3, b4, b5, b6, b7])


SEEDS = {
    "cgo-lifetime": [
        event("thread_attach"), event("cgocall_entry"), event("cgo_allocate"),
        event("callback_entry"), event("cgocall_entry", b3=0x09),
        event("cgo_allocate", b4=1, b5=0x0a), event("cgocall_exit", b3=0x09),
        event("callback_exit"), event("cgocall_exit"), event("release"), event("gc_start"),
        event("object_free"), event("object_free", b4=1, b5=0x0a), event("gc_end"),
        event("thread_detach")],
    "freed-while-pinned": [
        event("cgocall_entry"), event("cgo_allocate"), event("gc_start"),
        event("object_free", b7=0x80), event("gc_end"), event("cgocall_exit")],
    "malloc": [
        event("malloc", b4=0x01), event("calloc", b4=0x02, b7=3), event("realloc", b4=0x0b),
        event("free", b4=0x03), event("posix_memalign", b4=0x04), event("memalign", b4=0x05),
        event("free", b4=0x06), event("malloc", b2=0x28, b4=0x03), event("free", b4=0x03),
        event("free", b4=0x04)],
    "discarded": [
        event("malloc", b4=1), event("discarded", b7=0x10), event("malloc", b4=2),
        event("free", b4=1), event("free", b4=2), event("free", b4=7)],
    "out-of-order": [
        event("cgocall_exit", dt=0xf0), event("callback_exit"),
        event("cgo_allocate", b3=0xff, b6=0xff), event("malloc", dt=0x80, b6=0xff),
        event("gc_end", dt=0x90), bytes([200, 5, 0, 0, 0, 0, 0, 0])],
}

if __name__ == "__main__":
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(folder, exist_ok=True)
    for name, events in SEEDS.items():
        with open(os.path.join(folder, name), "wb") as seed:
            seed.write(b"".join(events))
