#!/usr/bin/env python3
"""make-seeds.py: writes the seed corpora of the fuzz targets, tiny valid
files of each format, into tests/fuzz/corpus/<target>/. The output is
committed; run again only to change the seeds.

    make-seeds.py [RUN_FILE [WINDOW_RUN_FILE]]

RUN_FILE: a run saved by layerwise-cli, the smallest there is:
    layerwise-cli --num-hidden 1 --num-layers 1 --epochs 1 --limit-train 128 \
        --limit-test 128 --batch-size 32 --threads 1 --save RUN_FILE
It becomes fuzz-run-file's seed as it is and without its model section.
WINDOW_RUN_FILE: a window run with every mark kind, such as
tests/fixtures/window-mlp-v1.lwrun; its seed leaves the model section out
(it holds the marks, curves, recent batches and settings)."""
import gzip
import os
import struct
import sys
import zlib

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


def run_file_sections(data):
    """The (tag, bytes) sections of a run file (lw-run-file.h)."""
    _magic, _version, count, _length = struct.unpack_from("<8sIIQ", data, 0)
    sections = []
    for i in range(count):
        tag, _zero, offset, length = struct.unpack_from("<IIQQ", data, 24 + 24 * i)
        sections.append((tag, data[offset:offset + length]))
    return sections


def run_file(sections):
    table_end = 24 + 24 * len(sections)
    length = table_end + sum(len(b) for _, b in sections) + 4
    out = struct.pack("<8sIIQ", b"\x89LWRUN\r\n", 1, len(sections), length)
    offset = table_end
    for tag, body in sections:
        out += struct.pack("<IIQQ", tag, 0, offset, len(body))
        offset += len(body)
    out += b"".join(b for _, b in sections)
    return out + struct.pack("<I", zlib.crc32(out))


if len(sys.argv) > 1:
    with open(sys.argv[1], "rb") as f:
        saved = f.read()
    model = struct.unpack("<I", b"MODL")[0]
    SEEDS["fuzz-run-file"] = {
        "cli-1x1.lwrun": saved,
        "no-model.lwrun": run_file([s for s in run_file_sections(saved) if s[0] != model]),
        "empty.lwrun": run_file([]),
    }
    # The parser's own reading of the original must match ours.
    assert run_file(run_file_sections(saved)) == saved

if len(sys.argv) > 2:
    with open(sys.argv[2], "rb") as f:
        window = f.read()
    assert run_file(run_file_sections(window)) == window
    SEEDS["fuzz-run-file"]["window-every-mark.lwrun"] = run_file(
        [s for s in run_file_sections(window) if s[0] != model])

for target, files in SEEDS.items():
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
