#!/usr/bin/env python3
"""PyTorch's side of `bench_mlp mnist-mlp|mnist-infer|mnist-cnn|xor ...`: on a GPU (`--device cuda`) beside
bench_mlp_cuda in scripts/cuda_gpu_check.sh, on the CPU beside bench_mlp in scripts/bench.sh. The same model
(784-256-128-10 ReLU MLP; the XOR net 2-8-1; the CNN of benchmarks/libtorch/cnn_reference.cpp), loss (cross-entropy;
BCE with logits), optimizer (Adam 1e-3; 0.05), 16 random batches cycled after 5 warm-up steps, and the same one-line
key=value output, so the scripts print them side by side.

  python3 benchmarks/pytorch_mlp.py mnist-mlp BATCH STEPS [--device cuda] [--threads N]
  python3 benchmarks/pytorch_mlp.py mnist-infer BATCH STEPS [--device cuda] [--threads N]
  python3 benchmarks/pytorch_mlp.py mnist-cnn BATCH STEPS [--device cuda] [--threads N]
  python3 benchmarks/pytorch_mlp.py xor EPOCHS [--device cuda] [--threads N]

--threads N: torch.set_num_threads(N) (the intra-op pool) and one inter-op thread; without it, PyTorch's defaults.
The BLAS beneath PyTorch keeps its own pool, set by OPENBLAS_NUM_THREADS (scripts/bench.sh sets it to match).
As bench_mlp, the timed loop ends by reading the last loss with .item(), which waits for the GPU.
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def train_timed(name, model, xs, ys, batch, steps):
    """Adam(1e-3) on cross-entropy over the 16 batches cycled: 5 warm-up steps, then `steps` timed ones; prints the
    key=value line and returns (first_loss, final_loss)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(i):
        opt.zero_grad()
        loss = F.cross_entropy(model(xs[i % 16]), ys[i % 16])
        loss.backward()
        opt.step()
        return loss

    first = 0.0
    for i in range(5):
        loss = step(i)
        if i == 0:
            first = loss.item()
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    last = loss.item()
    t = time.perf_counter() - t0
    print(f"{name} batch={batch} steps={steps} seconds={t:.4f} samples_per_s={batch * steps / t:.1f} "
          f"final_loss={last:.4f} first_loss={first:.4f}")
    return first, last


def mnist_mlp(batch, steps, device):
    model = mlp().to(device)
    xs = [torch.rand(batch, 784, device=device) for _ in range(16)]
    ys = [torch.randint(0, 10, (batch,), device=device) for _ in range(16)]
    first, last = train_timed("mnist-mlp", model, xs, ys, batch, steps)
    return 0 if last < first else 1


class CNN(nn.Module):
    """conv 1->32 3x3, ReLU, maxpool 2, conv 32->64 3x3, ReLU, maxpool 2, Linear 1600->128, ReLU, Linear 128->10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def mnist_cnn(batch, steps, device):
    model = CNN().to(device)
    xs, ys = [], []
    for _ in range(16):  # drawn interleaved, as cnn_reference.cpp draws them
        xs.append(torch.rand(batch, 1, 28, 28).to(device))
        ys.append(torch.randint(0, 10, (batch,)).to(device))
    train_timed("mnist-cnn", model, xs, ys, batch, steps)
    return 0  # as cnn_reference.cpp: 35 steps on random labels barely move this loss, so it is not checked


def mnist_infer(batch, steps, device):
    model = mlp().to(device).eval()
    xs = [torch.rand(batch, 784, device=device) for _ in range(16)]
    checksum = 0.0
    with torch.no_grad():
        for i in range(5):
            checksum += model(xs[i % 16]).sum().item()
        t0 = time.perf_counter()
        for i in range(steps):
            checksum += model(xs[i % 16]).sum().item()
        t = time.perf_counter() - t0
    print(f"mnist-infer batch={batch} steps={steps} seconds={t:.4f} samples_per_s={batch * steps / t:.1f} "
          f"us_per_batch={1e6 * t / steps:.2f} checksum={checksum:.3f}")
    return 0


def xor(epochs, device):
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]], device=device)
    y = torch.tensor([[0.], [1.], [1.], [0.]], device=device)
    first = last = 0.0
    t0 = time.perf_counter()
    for e in range(epochs):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()
        if e == 0:
            first = loss.item()
    last = loss.item()
    t = time.perf_counter() - t0
    print(f"xor batch=4 steps={epochs} seconds={t:.4f} samples_per_s={4 * epochs / t:.1f} final_loss={last:.4f} "
          f"first_loss={first:.4f}")
    return 0 if last < first else 1


def main(argv):
    device = "cpu"
    if "--device" in argv:
        i = argv.index("--device")
        device = argv[i + 1]
        del argv[i:i + 2]
    if "--threads" in argv:
        i = argv.index("--threads")
        torch.set_num_threads(int(argv[i + 1]))
        torch.set_num_interop_threads(1)  # before any inter-op work; the benchmarks run ops one after another
        del argv[i:i + 2]
    torch.manual_seed(42)
    if len(argv) == 3 and argv[0] == "mnist-mlp":
        return mnist_mlp(int(argv[1]), int(argv[2]), device)
    if len(argv) == 3 and argv[0] == "mnist-cnn":
        return mnist_cnn(int(argv[1]), int(argv[2]), device)
    if len(argv) == 3 and argv[0] == "mnist-infer":
        return mnist_infer(int(argv[1]), int(argv[2]), device)
    if len(argv) == 2 and argv[0] == "xor":
        return xor(int(argv[1]), device)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
