#!/usr/bin/env python3
"""make-seeds.py: writes the seed corpora of the fuzz targets, tiny valid
files of each format, into tests/fuzz/corpus/<target>/. The output is
committed; run again only to change the seeds."""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def idx_images(n, rows, cols):
    pixels = bytes((i * 37 + 5) % 256 for i in range(n * rows * cols))
    return struct.pack(">IIII", 0x803, n, rows, cols) + pixels


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def cifar(n, cifar100):
    out = b""
    for i in range(n):
        label = bytes([i % 20, (i * 7) % 100]) if cifar100 else bytes([i % 10])
        out += label + bytes((i * 11 + k) % 256 for k in range(3 * 32 * 32))
    return out


def gz(data):
    # mtime 0: the same bytes on every run.
    return gzip.compress(data, compresslevel=9, mtime=0)


SEEDS = {
    "fuzz-idx": {
        "images-2x3x4": idx_images(2, 3, 4),
        "images-1x28x28": idx_images(1, 28, 28),
        "labels-5": idx_labels([0, 3, 9, 1, 7]),
    },
    "fuzz-cifar": {
        "cifar10-1": cifar(1, False),
        "cifar100-1": cifar(1, True),
        "cifar10-2": cifar(2, False),
    },
    "fuzz-gz": {
        "images.gz": gz(idx_images(2, 3, 4)),
        "labels.gz": gz(idx_labels([0, 3, 9, 1, 7])),
        "two-members.gz": gz(idx_images(1, 2, 2)[:10]) + gz(idx_images(1, 2, 2)[10:]),
        "empty.gz": gz(b""),
        "zeros.gz": gz(bytes(20000)),
        # The last member's trailer sizes the first guess: the reader
        # must grow its buffer for the first member's 100 kB.
        "grows.gz": gz(bytes(100000)) + gz(idx_images(1, 2, 2)),
        # More than the target's 256 KiB limit.
        "bomb.gz": gz(bytes(300000)),
    },
}

for target, files in SEEDS.items():
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
