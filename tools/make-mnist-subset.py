#!/usr/bin/python3
"""Write the compact MNIST subset that layerwise embeds as its default dataset.

Usage: tools/make-mnist-subset.py SRC_DIR OUT_DIR [--train N] [--test M]

SRC_DIR holds the four MNIST IDX files (raw or .gz):
train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
t10k-labels-idx1-ubyte. OUT_DIR receives the same four names with .gz.

The subset is the FIRST N training images (default 30000) and M test images
taken at an even stride over the whole test set (default 2000: every 5th).
The first MNIST training images are already close to balanced per class.
The test images are spread out because the start of the MNIST test set is
harder than the rest, so a prefix would misstate accuracy. 30000 training
images are enough for one epoch of predsim to pass 95% test accuracy (with
10000 it stops near 91%, as the PyTorch reference does too). The gzip streams use mtime=0, no file
name and level 9, so rerunning the script gives byte-identical output.

Only the standard library is used (no numpy).
"""

import argparse
import gzip
import os
import struct
import sys

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

PAIRS = [
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train"),
    ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "test"),
]


def read_idx(src_dir, name):
    """Return the bytes of name or name.gz in src_dir."""
    raw = os.path.join(src_dir, name)
    if os.path.exists(raw):
        with open(raw, "rb") as f:
            return raw, f.read()
    gz = raw + ".gz"
    if os.path.exists(gz):
        with gzip.open(gz, "rb") as f:
            return gz, f.read()
    sys.exit(f"{raw}: not found (nor {name}.gz)")


def pick(count, n, stride):
    """Indices of n items out of count: the first n, or every stride-th."""
    if stride <= 1:
        return range(n)
    return range(0, n * stride, stride)


def take_images(path, data, n, stride=1):
    if len(data) < 16:
        sys.exit(f"{path}: too short for an IDX header")
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IMAGES_MAGIC:
        sys.exit(f"{path}: magic 0x{magic:08x}, expected 0x{IMAGES_MAGIC:08x}")
    if len(data) != 16 + count * rows * cols:
        sys.exit(f"{path}: size does not match header")
    if (n - 1) * stride >= count:
        sys.exit(f"{path}: holds {count} images, {n} at stride {stride} asked for")
    size = rows * cols
    header = struct.pack(">IIII", magic, n, rows, cols)
    return header + b"".join(data[16 + i * size:16 + (i + 1) * size]
                             for i in pick(count, n, stride))


def take_labels(path, data, n, stride=1):
    if len(data) < 8:
        sys.exit(f"{path}: too short for an IDX header")
    magic, count = struct.unpack(">II", data[:8])
    if magic != LABELS_MAGIC:
        sys.exit(f"{path}: magic 0x{magic:08x}, expected 0x{LABELS_MAGIC:08x}")
    if len(data) != 8 + count:
        sys.exit(f"{path}: size does not match header")
    if (n - 1) * stride >= count:
        sys.exit(f"{path}: holds {count} labels, {n} at stride {stride} asked for")
    return struct.pack(">II", magic, n) + bytes(data[8 + i] for i in pick(count, n, stride))


def write_gz(path, payload):
    # GzipFile with an explicit empty filename and mtime=0 keeps the
    # header free of anything that changes between runs.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                           compresslevel=9, mtime=0) as gz:
            gz.write(payload)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--train", type=int, default=30000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--test-stride", type=int, default=5)
    args = parser.parse_args()
    if args.train <= 0 or args.test <= 0:
        sys.exit("--train and --test must be positive")

    os.makedirs(args.out_dir, exist_ok=True)
    for images, labels, split in PAIRS:
        n = args.train if split == "train" else args.test
        stride = 1 if split == "train" else args.test_stride
        path, data = read_idx(args.src_dir, images)
        write_gz(os.path.join(args.out_dir, images + ".gz"),
                 take_images(path, data, n, stride))
        path, data = read_idx(args.src_dir, labels)
        payload = take_labels(path, data, n, stride)
        write_gz(os.path.join(args.out_dir, labels + ".gz"), payload)
        counts = [0] * 256
        for label in payload[8:]:
            counts[label] += 1
        print(f"{split}: {n} images, per class {counts[:10]}")


if __name__ == "__main__":
    main()
