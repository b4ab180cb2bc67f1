#!/usr/bin/python3
"""DIPY's nlmeans on one volume: the baseline our NLM is compared with (tests and `npm run bench`).

Reads a NIfTI-1 file (.nii / .nii.gz) or raw little-endian float32 (x fastest, with --dims), runs
dipy.denoise.nlmeans.nlmeans(arr, sigma, mask, patch_radius, block_radius, rician, num_threads), writes the result in
the input's format, and prints one JSON line: {"seconds", "dipy", "shape", "sigma", ...}. Run with /usr/bin/python3
(Debian's python3-dipy); nibabel is not needed.
"""
import argparse
import gzip
import json
import struct
import sys
import time

import numpy as np

NIFTI_DTYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 256: np.int8, 512: np.uint16, 768: np.uint32}


def read_bytes(path):
    with open(path, 'rb') as f:
        raw = f.read()
    return gzip.decompress(raw) if raw[:2] == b'\x1f\x8b' else raw


def read_nifti(path):
    """NIfTI-1 → (array indexed [x, y, z] in float64, header bytes)."""
    raw = read_bytes(path)
    endian = '<' if struct.unpack('<i', raw[:4])[0] == 348 else '>'
    if struct.unpack(endian + 'i', raw[:4])[0] != 348:
        raise SystemExit(f'{path}: not a NIfTI-1 file')
    dim = struct.unpack(endian + '8h', raw[40:56])
    datatype = struct.unpack(endian + 'h', raw[70:72])[0]
    vox_offset = int(struct.unpack(endian + 'f', raw[108:112])[0])
    slope, inter = struct.unpack(endian + '2f', raw[112:120])
    if datatype not in NIFTI_DTYPES:
        raise SystemExit(f'{path}: NIfTI datatype {datatype} is not supported')
    if dim[0] < 3 or any(d > 1 for d in dim[4:1 + dim[0]]):
        raise SystemExit(f'{path}: expected one 3D volume, dim = {dim}')
    shape = dim[1:4]
    dtype = np.dtype(NIFTI_DTYPES[datatype]).newbyteorder(endian)
    count = shape[0] * shape[1] * shape[2]
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=vox_offset).astype(np.float64)
    if slope not in (0.0, 1.0) or inter != 0.0:
        data = data * (slope if slope != 0 else 1.0) + inter
    # NIfTI stores x fastest: Fortran order gives arr[x, y, z].
    return data.reshape(shape, order='F'), raw[:348], endian


def write_nifti(path, arr, header, endian):
    """Float32 NIfTI-1 with the input's header (geometry kept), no scaling."""
    h = bytearray(header)
    struct.pack_into(endian + 'h', h, 70, 16)  # datatype float32
    struct.pack_into(endian + 'h', h, 72, 32)  # bitpix
    struct.pack_into(endian + 'f', h, 108, 352.0)  # vox_offset
    struct.pack_into(endian + '2f', h, 112, 1.0, 0.0)  # scl_slope, scl_inter
    body = bytes(h) + b'\x00' * 4 + np.asarray(arr, dtype=np.dtype(np.float32).newbyteorder(endian)).tobytes(order='F')
    with open(path, 'wb') as f:
        f.write(gzip.compress(body, compresslevel=1) if path.endswith('.gz') else body)


def read_raw(path, dims):
    data = np.frombuffer(read_bytes(path), dtype='<f4').astype(np.float64)
    if data.size != dims[0] * dims[1] * dims[2]:
        raise SystemExit(f'{path}: {data.size} float32 values, dims {dims} need {dims[0] * dims[1] * dims[2]}')
    return data.reshape(dims, order='F')


def is_nifti(path):
    return path.endswith('.nii') or path.endswith('.nii.gz')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--in', dest='inp', required=True, help='.nii/.nii.gz, or raw float32 (x fastest) with --dims')
    ap.add_argument('--out', required=True, help='output in the same format as --in')
    ap.add_argument('--dims', help='nx,ny,nz for raw input')
    ap.add_argument('--mask', help='mask in the same format as --in (nonzero = inside)')
    ap.add_argument('--sigma', required=True,
                    help="noise sigma, or 'estimate' for DIPY's estimate_sigma (timed with nlmeans)")
    ap.add_argument('--patch-radius', type=int, default=1)
    ap.add_argument('--block-radius', type=int, default=5)
    ap.add_argument('--no-rician', action='store_true')
    ap.add_argument('--threads', type=int, default=None, help='OpenMP threads (default: all cores)')
    args = ap.parse_args()

    try:
        import dipy
        from dipy.denoise.nlmeans import nlmeans
    except ImportError as err:
        raise SystemExit(f'DIPY is not importable ({err}); install Debian python3-dipy and run with /usr/bin/python3')

    if is_nifti(args.inp):
        arr, header, endian = read_nifti(args.inp)
        mask = read_nifti(args.mask)[0] if args.mask else None
    else:
        if not args.dims:
            raise SystemExit('raw float32 input needs --dims nx,ny,nz')
        dims = tuple(int(d) for d in args.dims.split(','))
        arr = read_raw(args.inp, dims)
        mask = read_raw(args.mask, dims) if args.mask else None
    if mask is not None:
        mask = (mask != 0).astype(np.float64)

    t0 = time.perf_counter()
    if args.sigma == 'estimate':
        from dipy.denoise.noise_estimate import estimate_sigma
        # One 3D volume: estimate_sigma returns one value for it (N=0: Gaussian-to-Rician correction off, DIPY's default).
        sigma = float(np.asarray(estimate_sigma(arr)).ravel()[0])
    else:
        sigma = float(args.sigma)
    out = nlmeans(arr, sigma, mask=mask, patch_radius=args.patch_radius, block_radius=args.block_radius,
                  rician=not args.no_rician, num_threads=args.threads)
    seconds = time.perf_counter() - t0

    if is_nifti(args.inp):
        write_nifti(args.out, out, header, endian)
    else:
        with open(args.out, 'wb') as f:
            f.write(np.asarray(out, dtype='<f4').tobytes(order='F'))
    json.dump({'seconds': seconds, 'dipy': dipy.__version__, 'shape': list(arr.shape), 'sigma': sigma,
               'patch_radius': args.patch_radius, 'block_radius': args.block_radius, 'rician': not args.no_rician,
               'threads': args.threads}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
