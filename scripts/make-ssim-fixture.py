#!/usr/bin/python3
"""Reference SSIM / pSNR from scikit-image for the TypeScript metrics (src/core/metrics.ts).

Reads a reference, an image and a mask (NIfTI .nii/.nii.gz, or raw little-endian .f32 / .u8 with --dims), optionally
crops them, and computes skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=max-min of ref in the mask, full=True) in float64. The full map is averaged
over the mask (as the paper does), beside pSNR over the mask. With --out it writes a small fixture (ref.f32, img.f32,
mask.u8, expected.json); with --print it prints the JSON only (used by the in-process test).

Run with the Debian python that has scikit-image:  /usr/bin/python3 scripts/make-ssim-fixture.py --help
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import skimage
from skimage.metrics import structural_similarity

NIFTI_DTYPES = {2: 'u1', 4: 'i2', 8: 'i4', 16: 'f4', 64: 'f8', 256: 'i1', 512: 'u2', 768: 'u4'}


def read_nifti(path):
    """Minimal NIfTI-1 reader: returns a (nz, ny, nx) float64 array (x fastest in memory, as the TS Volume)."""
    raw = open(path, 'rb').read()
    if path.endswith('.gz'):
        raw = gzip.decompress(raw)
    endian = '<' if int.from_bytes(raw[0:4], 'little') == 348 else '>'
    if int.from_bytes(raw[0:4], 'little' if endian == '<' else 'big') != 348:
        sys.exit(f'{path}: not a NIfTI-1 file')
    dim = np.frombuffer(raw, dtype=endian + 'i2', count=8, offset=40)
    if dim[0] < 3 or any(d > 1 for d in dim[4:dim[0] + 1]):
        sys.exit(f'{path}: expected a 3D volume, dim = {list(dim)}')
    datatype = int(np.frombuffer(raw, dtype=endian + 'i2', count=1, offset=70)[0])
    if datatype not in NIFTI_DTYPES:
        sys.exit(f'{path}: unsupported NIfTI datatype {datatype}')
    vox_offset = int(np.frombuffer(raw, dtype=endian + 'f4', count=1, offset=108)[0])
    slope, inter = np.frombuffer(raw, dtype=endian + 'f4', count=2, offset=112)
    nx, ny, nz = (int(d) for d in dim[1:4])
    a = np.frombuffer(raw, dtype=endian + NIFTI_DTYPES[datatype], count=nx * ny * nz, offset=vox_offset)
    a = a.astype(np.float64).reshape((nz, ny, nx))
    if slope not in (0.0, 1.0) or inter != 0.0:
        a = a * (slope if slope != 0 else 1.0) + inter
    return a


def read_any(path, dims):
    if path.endswith('.nii') or path.endswith('.nii.gz'):
        return read_nifti(path)
    if dims is None:
        sys.exit(f'{path}: raw input needs --dims nx,ny,nz')
    nx, ny, nz = dims
    dtype = '<u1' if path.endswith('.u8') else '<f4'
    a = np.fromfile(path, dtype=dtype)
    if a.size != nx * ny * nz:
        sys.exit(f'{path}: {a.size} values, but --dims {nx},{ny},{nz} needs {nx * ny * nz}')
    return a.astype(np.float64).reshape((nz, ny, nx))


def compute(ref, img, mask):
    sel = mask > 0
    if not sel.any():
        sys.exit('the mask is empty')
    data_range = float(ref[sel].max() - ref[sel].min())
    mssim, smap = structural_similarity(ref, img, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                        data_range=data_range, full=True)
    mse = float(np.mean((ref[sel] - img[sel]) ** 2))
    flat = smap.reshape(-1)
    # A fixed, spread-out sample of map values lets the TS test compare the map itself, not only its statistics.
    rng = np.random.default_rng(0)
    sample_idx = np.sort(rng.choice(flat.size, size=min(64, flat.size), replace=False))
    return {
        'dims': [int(ref.shape[2]), int(ref.shape[1]), int(ref.shape[0])],
        'maskVoxels': int(sel.sum()),
        'dataRange': data_range,
        'ssimMeanMask': float(smap[sel].mean()),
        'skimageCroppedMean': float(mssim),
        'mapMin': float(flat.min()),
        'mapMax': float(flat.max()),
        'mapMean': float(flat.mean()),
        'mapSample': {'index': [int(i) for i in sample_idx], 'value': [float(flat[i]) for i in sample_idx]},
        'psnrMask': float(10 * np.log10(data_range ** 2 / mse)),
        'skimageVersion': skimage.__version__,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ref', required=True)
    p.add_argument('--img', required=True)
    p.add_argument('--mask', required=True)
    p.add_argument('--dims', help='nx,ny,nz for raw inputs')
    p.add_argument('--crop', help='x0,y0,z0,size: crop a size³ cube starting at that voxel')
    p.add_argument('--source', default='', help='free text recorded in expected.json (where the data came from)')
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument('--out', help='fixture folder to write')
    out.add_argument('--print', action='store_true', help='print the JSON result only')
    args = p.parse_args()
    dims = [int(v) for v in args.dims.split(',')] if args.dims else None
    ref, img, mask = (read_any(f, dims) for f in (args.ref, args.img, args.mask))
    if not (ref.shape == img.shape == mask.shape):
        sys.exit(f'shapes differ: ref {ref.shape}, img {img.shape}, mask {mask.shape}')
    if args.crop:
        x0, y0, z0, s = (int(v) for v in args.crop.split(','))
        cut = (slice(z0, z0 + s), slice(y0, y0 + s), slice(x0, x0 + s))
        ref, img, mask = ref[cut], img[cut], mask[cut]
        if ref.shape != (s, s, s):
            sys.exit(f'crop {args.crop} leaves the grid (got {ref.shape})')
    # The fixture stores float32: compute on exactly the float32 values the TS side will read.
    ref = ref.astype(np.float32).astype(np.float64)
    img = img.astype(np.float32).astype(np.float64)
    mask = (mask > 0).astype(np.uint8)
    result = compute(ref, img, mask)
    if args.print:
        print(json.dumps(result))
        return
    os.makedirs(args.out, exist_ok=True)
    ref.astype('<f4').tofile(os.path.join(args.out, 'ref.f32'))
    img.astype('<f4').tofile(os.path.join(args.out, 'img.f32'))
    mask.astype('<u1').tofile(os.path.join(args.out, 'mask.u8'))
    result['source'] = args.source
    with open(os.path.join(args.out, 'expected.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    print(f"wrote {args.out}: SSIM over mask {result['ssimMeanMask']:.6f}, pSNR {result['psnrMask']:.3f} dB")


if __name__ == '__main__':
    main()
