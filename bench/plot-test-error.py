#!/usr/bin/env python3
"""plot-test-error.py — the README's curves: test error per epoch of one run,
from its metrics CSV (the `epoch` rows' acc_out), as a small SVG, with the
paper's final figure as a dashed line.

    bench/plot-test-error.py CSV OUT.svg --paper 0.31 --epochs 100 --title "..."

Only the standard library: the SVG is written by hand. The y axis is
logarithmic, since the error falls by orders of magnitude.
"""
import argparse
import csv
import math
import sys


def read_errors(path):
    errors = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "epoch" and row["acc_out"]:
                errors.append((int(row["epoch"]), 100.0 * (1.0 - float(row["acc_out"]))))
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("svg")
    ap.add_argument("--paper", type=float, required=True, help="the paper's final test error, %%")
    ap.add_argument("--epochs", type=int, required=True, help="the paper's number of epochs")
    ap.add_argument("--title", default="")
    a = ap.parse_args()

    errors = read_errors(a.csv)
    if not errors:
        sys.exit(f"plot-test-error.py: {a.csv} has no epoch rows")
    w, h, left, right, top, bottom = 560, 300, 56, 16, 28, 40
    pw, ph = w - left - right, h - top - bottom
    values = [e for _, e in errors] + [a.paper]
    # The axis spans the 1-2-5 steps just around the values.
    steps = [d * m for d in (0.01, 0.1, 1, 10, 100) for m in (1, 2, 5)]
    lo = max([v for v in steps if v <= min(values)] or [steps[0]])
    hi = min([v for v in steps if v >= max(values)] or [steps[-1]])
    if hi <= lo:
        hi = lo * 2
    last = max(a.epochs, errors[-1][0])

    def x(epoch):
        return left + pw * epoch / last

    def y(err):
        return top + ph * (math.log10(hi) - math.log10(err)) / (math.log10(hi) - math.log10(lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-weight="bold">{a.title}</text>']
    for v in steps + [d * m for d in (0.01, 0.1, 1, 10) for m in (3, 4, 6, 8)]:
        if lo <= v <= hi:
            out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                       f'stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}%</text>')
    step = 10 if last <= 100 else 25
    for e in range(0, last + 1, step):
        out.append(f'<text x="{x(e):.1f}" y="{top + ph + 16}" text-anchor="middle">{e}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 6}" text-anchor="middle">epoch</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(a.paper):.1f}" y2="{y(a.paper):.1f}" '
               f'stroke="#c01c28" stroke-dasharray="6 4"/>')
    out.append(f'<text x="{left + pw - 4}" y="{top + 32}" text-anchor="end" fill="#c01c28">'
               f'paper, after {a.epochs} epochs: {a.paper:g}% (dashed)</text>')
    pts = " ".join(f"{x(e):.1f},{y(err):.1f}" for e, err in errors)
    out.append(f'<polyline points="{pts}" fill="none" stroke="#1c71d8" stroke-width="2"/>')
    for e, err in errors if len(errors) <= 40 else []:
        out.append(f'<circle cx="{x(e):.1f}" cy="{y(err):.1f}" r="3" fill="#1c71d8"/>')
    e, err = errors[-1]
    out.append(f'<text x="{left + pw - 4}" y="{top + 16}" text-anchor="end" fill="#1c71d8">'
               f'ours, after epoch {e}: {err:.2f}%</text>')
    out.append("</svg>")
    with open(a.svg, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
