#!/usr/bin/python3
"""The SAE training step of core/sae written the usual PyTorch way (autograd + torch.optim.Adam),
for benchmarks/bench_sae: same shapes, same maths (ReLU + L1, b_dec subtracted from the input,
unit-norm decoder rows with the gradient projection, LR and L1 warm-up, block sampling from a
memory-mapped .npy, fired-latent bookkeeping).

usage: sae_train_reference.py ACTIVATIONS.npy D_SAE BATCH STEPS THREADS
prints: steps_per_second <float>   (steps after the first, which is warm-up)
"""
import sys
import time

import numpy as np
import torch


def main():
    path, d_sae, batch, steps, threads = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    data = np.load(path, mmap_mode="r")
    rows, d_in = data.shape
    block = 32
    blocks = np.random.default_rng(0).permutation(rows // block)
    l1, lr = 5.0, 4e-4
    gen = torch.Generator().manual_seed(0)
    w_dec = torch.randn(d_sae, d_in, generator=gen)
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    w_enc = w_dec.t().contiguous()
    b_enc = torch.zeros(d_sae)
    b_dec = torch.from_numpy(np.asarray(data[:4096], dtype=np.float32)).mean(0)
    params = [w_enc, w_dec, b_enc, b_dec]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr)
    since_fired = torch.zeros(d_sae, dtype=torch.long)
    cursor = 0
    start = None
    for step in range(steps + 1):
        if step == 1:
            start = time.perf_counter()
        parts = []
        for _ in range(batch // block):
            b = blocks[cursor % len(blocks)]
            cursor += 1
            parts.append(data[b * block:(b + 1) * block])
        x = torch.from_numpy(np.concatenate(parts).astype(np.float32, copy=False))
        warm = max(1, steps // 20)
        factor = min(1.0, (step + 1) / warm)
        decay = 0.2 * steps
        if step >= steps - decay:
            factor *= max(0.0, (steps - step) / decay)
        for group in opt.param_groups:
            group["lr"] = lr * factor
        coefficient = l1 * min(1.0, (step + 1) / warm)
        z = torch.relu((x - b_dec) @ w_enc + b_enc)
        x_hat = z @ w_dec + b_dec
        loss = (x_hat - x).pow(2).sum(1).mean() + coefficient * z.sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            w_dec.grad -= (w_dec.grad * w_dec).sum(1, keepdim=True) * w_dec
        opt.step()
        with torch.no_grad():
            w_dec /= w_dec.norm(dim=1, keepdim=True)
            since_fired += 1
            since_fired[(z > 0).any(0)] = 0
    elapsed = time.perf_counter() - start
    print(f"steps_per_second {steps / elapsed:.4f}")


if __name__ == "__main__":
    main()
