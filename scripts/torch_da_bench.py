#!/usr/bin/python3
"""PyTorch CPU peer for `npm run bench`: the same DA network (paper Table 1), timed for training and inference.

Usage: /usr/bin/python3 scripts/torch_da_bench.py --mode train|infer [--threads N] [--batch 128] [--seconds 5] [--size 48]
Prints one JSON object on stdout. Random data: only speed is measured.
"""
import argparse
import json
import os
import sys
import time


def build(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv3d(1, 64, 3), nn.ReLU(),
        nn.Conv3d(64, 256, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(256, 32), nn.ReLU(),
        nn.Linear(32, 256), nn.ReLU(),
        nn.Linear(256, 1),
    )


def fully_convolutional(torch, net):
    """The same weights as a fully convolutional network: dense layers become 1x1x1 convolutions."""
    nn = torch.nn
    convs = [net[0], net[2]]
    dense = [net[5], net[7], net[9]]
    layers = [convs[0], nn.ReLU(), convs[1], nn.ReLU()]
    for i, lin in enumerate(dense):
        c = nn.Conv3d(lin.in_features, lin.out_features, 1)
        with torch.no_grad():
            c.weight.copy_(lin.weight.view(lin.out_features, lin.in_features, 1, 1, 1))
            c.bias.copy_(lin.bias)
        layers.append(c)
        if i < 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def loaded_blas():
    """The BLAS/LAPACK shared libraries this process has mapped (after torch ran), resolved through the symlinks
    Debian's alternatives system sets up: the library that actually did the work."""
    found = set()
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and ('blas' in parts[-1] or 'mkl' in parts[-1] or 'lapack' in parts[-1]):
                    found.add(os.path.realpath(parts[-1]))
    except OSError:
        return 'unknown (/proc/self/maps unreadable)'
    return ', '.join(sorted(found)) or 'none mapped (torch built with its own kernels)'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['train', 'infer'], default='train')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--seconds', type=float, default=5.0)
    ap.add_argument('--size', type=int, default=48)
    args = ap.parse_args()
    try:
        import torch
    except ImportError as err:
        print(json.dumps({'error': f'import torch failed: {err}'}))
        return 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = build(torch)
    params = sum(p.numel() for p in net.parameters())
    out = {'torch': torch.__version__, 'threads': args.threads, 'parameters': params, 'mode': args.mode}
    if args.mode == 'train':
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)
        x = torch.rand(args.batch, 1, 5, 5, 5)
        y = torch.rand(args.batch, 1)
        loss_fn = torch.nn.MSELoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()

        for _ in range(5):
            step()
        steps = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        while time.perf_counter() - t0 < args.seconds or steps < 5:
            step()
            steps += 1
        secs = time.perf_counter() - t0
        cpu = time.process_time() - c0  # every thread of the process
        out.update({'batch': args.batch, 'steps': steps, 'seconds': secs, 'cpuSeconds': cpu,
                    'samplesPerSecond': steps * args.batch / secs})
    else:
        fc = fully_convolutional(torch, net).eval()
        n = args.size
        vol = torch.rand(1, 1, n + 4, n + 4, n + 4)  # padded by 2: every voxel gets an output
        with torch.no_grad():
            fc(vol[:, :, :9, :9, :9])
            runs = 0
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < args.seconds or runs < 1:
                fc(vol)
                runs += 1
            secs = (time.perf_counter() - t0) / runs
        voxels = n ** 3
        out.update({'size': n, 'voxels': voxels, 'seconds': secs, 'voxelsPerSecond': voxels / secs})
    out['blas'] = loaded_blas()
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
