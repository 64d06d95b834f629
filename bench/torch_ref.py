#!/usr/bin/env python3
"""Layerwise's PyTorch reference: the local-error-signal method in PyTorch.

The benchmarks (bench-mlp.sh, bench-vgg8b.sh, accuracy-seeds.sh) run this
script beside layerwise-cli with the same settings and compare speed, memory
and accuracy. It implements what docs/method.md describes, in plain PyTorch:

  - a network is a list of blocks (fully connected, or 3x3 conv); each block
    is  main layer -> BatchNorm -> ReLU or leaky ReLU  and, while training,
    dropout after that;
  - under a local loss (pred, sim, predsim) every block has its own Adam and
    learns only from its own loss, computed on its activation before dropout
    (docs/method.md §1); what it hands the next block is detached, so no
    gradient crosses a block; the output layer learns from the cross-entropy
    of its logits on the detached last activation, scaled by 1 - beta under
    predsim;
  - pred: a linear head, zero-initialised, on the activation (average-pooled
    first for a conv block, docs/method.md §3), softmax cross-entropy;
  - sim: a learned linear map (FC) or 3x3 conv without bias (conv) of the
    activation, then the batch's similarity matrix, against the labels'
    (docs/method.md §4); predsim mixes them, (1 - beta) pred + beta sim;
  - bp: the same network without heads, trained end to end by one Adam.

What it leaves out: learning-rate schedules (the rate stays --lr), cutout,
flips, the backprop-free losses and every dataset but the MNIST-format IDX
files of --data. Inputs are scaled to [0, 1] and normalised with MNIST's
mean and standard deviation (0.1307, 0.3081), as layerwise-cli does.

Output (parsed by bench/bench-common.sh and bench/accuracy-seeds.sh; keep it):
  epoch E: train T s = N samples/s, train acc A%, test T s, local head test acc [..]%, test acc A%
  final test acc A%  peak RSS M MiB

Usage: /usr/bin/python3 bench/torch_ref.py --data DIR [--arch mlp|vgg8b] [--loss predsim] ...
DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte, each raw or gzipped (.gz).
"""
import argparse
import gzip
import os
import resource
import struct
import sys
import time

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
VGG8B = [128, 256, 'M', 256, 512, 'M', 512, 'M', 512, 'M']


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', required=True, help='folder of the four MNIST-format IDX files')
    p.add_argument('--arch', choices=['mlp', 'vgg8b'], default='mlp')
    p.add_argument('--loss', choices=['bp', 'pred', 'sim', 'predsim'], default='predsim')
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--lr', type=float, default=5e-4)
    p.add_argument('--beta', type=float, default=0.99, help='weight of sim in predsim')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--limit-train', type=int, default=0, help='train on the first N samples (0: all)')
    p.add_argument('--limit-test', type=int, default=0, help='test on the first N samples (0: all)')
    p.add_argument('--hidden', type=int, default=1024, help='units per fully connected block')
    p.add_argument('--layers', type=int, default=3, help='fully connected blocks of the mlp')
    p.add_argument('--width', type=float, default=1.0, help='vgg8b: multiply the conv channels')
    p.add_argument('--dim-dec', type=int, default=1024,
                   help='vgg8b: a conv pred head sees at most this many inputs')
    p.add_argument('--dropout', type=float, default=0.0, help='dropout after every block')
    p.add_argument('--nonlin', choices=['relu', 'leaky'], default='relu')
    p.add_argument('--jitter', type=int, default=0, help='random shift of up to N pixels')
    p.add_argument('--seed', type=int, default=1)
    return p.parse_args()


ARGS = parse_args()
# OpenBLAS reads its thread count when the library loads, so it must be in the
# environment before torch is imported. Debian's torch runs OpenMP (libgomp)
# and OpenBLAS threads side by side; libgomp's spinning wait would take the
# core an OpenBLAS thread needs, so waiting threads sleep unless told otherwise.
os.environ['OMP_NUM_THREADS'] = str(ARGS.threads)
os.environ['OPENBLAS_NUM_THREADS'] = str(ARGS.threads)
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch                        # noqa: E402  (after the thread settings)
import torch.nn as nn               # noqa: E402
import torch.nn.functional as F     # noqa: E402


# ---------------------------------------------------------------- data

def load_idx(folder, name):
    """One IDX file (raw or .gz) as a uint8 tensor of its shape."""
    path = os.path.join(folder, name)
    if not os.path.exists(path) and os.path.exists(path + '.gz'):
        path += '.gz'
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    zero, kind, ndim = struct.unpack('>HBB', raw[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f'torch_ref.py: {path} is not an IDX file of bytes')
    shape = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    data = torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8)
    return data.reshape(shape)


def load_split(folder, prefix, limit):
    """Images as normalised float32 (N, 1, 28, 28) and labels as int64."""
    images = load_idx(folder, f'{prefix}-images-idx3-ubyte')
    labels = load_idx(folder, f'{prefix}-labels-idx1-ubyte')
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    x = images.float().div_(255.0).sub_(MNIST_MEAN).div_(MNIST_STD)
    return x.unsqueeze(1).contiguous(), labels.long()


def jitter(x, pixels):
    """Shift each image by up to `pixels` in each direction, filling with black."""
    n, _, h, w = x.shape
    black = -MNIST_MEAN / MNIST_STD
    padded = F.pad(x, (pixels,) * 4, value=black)
    dy = torch.randint(0, 2 * pixels + 1, (n,))
    dx = torch.randint(0, 2 * pixels + 1, (n,))
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    return out


# ---------------------------------------------------------------- the losses

def similarity(h):
    """The batch's N x N cosine similarity matrix of mean-centred samples.

    A conv map of more than 3 channels and more than one row is first reduced
    to each channel's standard deviation over its positions."""
    if h.dim() == 4 and h.shape[1] > 3 and h.shape[2] > 1:
        h = h.flatten(2).std(dim=2)
    h = h.flatten(1)
    centred = h - h.mean(dim=1, keepdim=True)
    unit = centred / (centred.norm(dim=1, keepdim=True) + 1e-8)
    return (unit @ unit.t()).clamp(-1.0, 1.0)


def label_similarity(y, classes):
    """What similarity() gives for one-hot labels: 1 within a class, -1/(C-1) across."""
    same = (y.unsqueeze(0) == y.unsqueeze(1)).float()
    return same + (1.0 - same) * (-1.0 / (classes - 1))


def pred_pool(channels, size, max_inputs):
    """The average pool before a conv block's pred head (docs/method.md §3).

    Halve the grid, rows first, then columns, until channels x rows x columns
    fits in max_inputs; padding centres the pooled cells on the map."""
    kh = kw = 1
    oh = ow = size
    while channels * oh * ow > max_inputs and kh < size:
        kh *= 2
        oh = -(-size // kh)
        if channels * oh * ow > max_inputs:
            kw *= 2
            ow = -(-size // kw)
    if kh == 1 and kw == 1:
        return nn.Identity(), channels * size * size
    pad = (kh * (oh - size // kh) // 2, kw * (ow - size // kw) // 2)
    return nn.AvgPool2d((kh, kw), stride=(kh, kw), padding=pad), channels * oh * ow


# ---------------------------------------------------------------- the network

class Block(nn.Module):
    """One hidden layer with its own local loss and its own optimiser."""

    def __init__(self, conv, n_in, n_out, size, args, classes):
        super().__init__()
        self.conv = conv
        self.local = args.loss != 'bp'
        self.use_pred = args.loss in ('pred', 'predsim')
        self.use_sim = args.loss in ('sim', 'predsim')
        self.pred_weight = {'pred': 1.0, 'sim': 0.0}.get(args.loss, 1.0 - args.beta)
        self.sim_weight = {'pred': 0.0, 'sim': 1.0}.get(args.loss, args.beta)
        self.classes = classes
        if conv:
            self.main = nn.Conv2d(n_in, n_out, 3, padding=1)
            self.bn = nn.BatchNorm2d(n_out)
            self.drop = nn.Dropout2d(args.dropout)
        else:
            self.main = nn.Linear(n_in, n_out)
            self.bn = nn.BatchNorm1d(n_out)
            self.drop = nn.Dropout(args.dropout)
        self.act = nn.LeakyReLU(0.01) if args.nonlin == 'leaky' else nn.ReLU()
        if self.use_pred:
            if conv:
                self.pool, head_in = pred_pool(n_out, size, args.dim_dec)
            else:
                self.pool, head_in = nn.Identity(), n_out
            self.pred_head = nn.Linear(head_in, classes)
            nn.init.zeros_(self.pred_head.weight)
        if self.use_sim:
            self.sim_head = (nn.Conv2d(n_out, n_out, 3, padding=1, bias=False) if conv
                             else nn.Linear(n_out, n_out, bias=False))
        self.optimizer = torch.optim.Adam(self.parameters(), lr=args.lr) if self.local else None
        self.correct = 0   # the pred head's right answers in the current test pass

    def forward(self, x, y):
        if self.local:
            x = x.detach()
        a = self.act(self.bn(self.main(x)))
        if self.local and (self.training or self.use_pred):
            self.local_loss(a, y)
        return self.drop(a).detach() if self.local else self.drop(a)

    def local_loss(self, a, y):
        if not self.training:
            with torch.no_grad():
                logits = self.pred_head(self.pool(a).flatten(1))
                self.correct += (logits.argmax(1) == y).sum().item()
            return
        loss = 0.0
        if self.use_pred:
            loss = loss + self.pred_weight * F.cross_entropy(self.pred_head(self.pool(a).flatten(1)), y)
        if self.use_sim:
            target = label_similarity(y, self.classes)
            loss = loss + self.sim_weight * F.mse_loss(similarity(self.sim_head(a)), target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


class Net(nn.Module):
    def __init__(self, args, classes=10, size=28):
        super().__init__()
        self.layers = nn.ModuleList()
        channels = 1
        if args.arch == 'vgg8b':
            for item in VGG8B:
                if item == 'M':
                    self.layers.append(nn.MaxPool2d(2))
                    size //= 2
                else:
                    width = int(item * args.width)
                    self.layers.append(Block(True, channels, width, size, args, classes))
                    channels = width
            fc_blocks = 1
        else:
            fc_blocks = args.layers
        self.flatten_at = len(self.layers)
        features = channels * size * size
        for _ in range(fc_blocks):
            self.layers.append(Block(False, features, args.hidden, 1, args, classes))
            features = args.hidden
        self.out = nn.Linear(features, classes)
        self.local = args.loss != 'bp'
        if self.local:
            nn.init.zeros_(self.out.weight)
            self.optimizer = torch.optim.Adam(self.out.parameters(), lr=args.lr)
        else:
            self.optimizer = torch.optim.Adam(self.parameters(), lr=args.lr)

    def blocks(self):
        return [layer for layer in self.layers if isinstance(layer, Block)]

    def forward(self, x, y):
        for i, layer in enumerate(self.layers):
            if i == self.flatten_at:
                x = x.flatten(1)
            x = layer(x, y) if isinstance(layer, Block) else layer(x)
        if len(self.layers) == self.flatten_at:
            x = x.flatten(1)
        return self.out(x.detach() if self.local else x)


# ---------------------------------------------------------------- training

def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train = load_split(args.data, 'train', args.limit_train)
    x_test, y_test = load_split(args.data, 't10k', args.limit_test)
    net = Net(args)
    out_scale = 1.0 - args.beta if args.loss == 'predsim' else 1.0
    heads = sum(p.numel() for name, p in net.named_parameters() if '_head.' in name)
    total = sum(p.numel() for p in net.parameters())
    print(f'arch={args.arch} loss={args.loss} threads={args.threads} train={len(y_train)} '
          f'test={len(y_test)} params(net)={total - heads} params(+local heads)={total} '
          f'torch={torch.__version__} OMP_WAIT_POLICY={os.environ["OMP_WAIT_POLICY"]} '
          f'OPENBLAS_CORETYPE={os.environ.get("OPENBLAS_CORETYPE", "-")}', flush=True)

    test_acc = 0.0
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(y_train))
        correct = 0
        start = time.perf_counter()
        for first in range(0, len(y_train), args.batch_size):
            batch = order[first:first + args.batch_size]
            x, y = x_train[batch], y_train[batch]
            if args.jitter > 0:
                x = jitter(x, args.jitter)
            logits = net(x, y)
            loss = F.cross_entropy(logits, y) * out_scale
            net.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            net.optimizer.step()
            correct += (logits.argmax(1) == y).sum().item()
        train_seconds = time.perf_counter() - start

        net.eval()
        for block in net.blocks():
            block.correct = 0
        test_correct = 0
        start = time.perf_counter()
        with torch.no_grad():
            for first in range(0, len(y_test), args.batch_size):
                x = x_test[first:first + args.batch_size]
                y = y_test[first:first + args.batch_size]
                test_correct += (net(x, y).argmax(1) == y).sum().item()
        test_seconds = time.perf_counter() - start
        test_acc = 100.0 * test_correct / len(y_test)
        local = ', '.join(f'{100.0 * b.correct / len(y_test):.2f}' for b in net.blocks() if b.use_pred)
        print(f'epoch {epoch}: train {train_seconds:.2f} s = {len(y_train) / train_seconds:.0f} '
              f'samples/s, train acc {100.0 * correct / len(y_train):.2f}%, '
              f'test {test_seconds:.2f} s, local head test acc [{local}]%, '
              f'test acc {test_acc:.2f}%', flush=True)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'final test acc {test_acc:.2f}%  peak RSS {peak_mib:.0f} MiB')


if __name__ == '__main__':
    main()
