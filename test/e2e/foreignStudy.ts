// A sodium study written by another toolkit (dcmtk's dump2dcm), as a user would bring it: files named IM0001 without
// extension in one folder per series, signed 16-bit pixels with a rescale slope, a non-square, non-cubic grid, slices
// stored in reverse order, and a stray text file. The voxels come from our phantom so the images look like a head.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSubject } from '../../src/phantom/subject';
import { resolvePhantomParams } from '../../src/phantom/params';
import { newUid } from '../../src/io/dicom/uid';

export interface ForeignStudy {
  dir: string;
  studyInstanceUid: string;
  seriesInstanceUids: string[];
  dims: [number, number, number];
  studyDescription: string;
}

const SLOPE = 0.25;

/** Writes two repeated 23Na acquisitions (NX × NY × NZ) with dump2dcm into `dir`; returns their identity. */
export function writeForeignStudy(dir: string, dims: [number, number, number] = [32, 28, 24]): ForeignStudy {
  const [nx, ny, nz] = dims;
  const m = Math.max(nx, ny, nz);
  const subject = generateSubject(resolvePhantomParams({ seed: 77, subjects: 1, matrix: m, voxelSizeMm: 240 / m }), 0);
  const studyInstanceUid = newUid();
  const frameOfReference = newUid();
  const studyDescription = '23Na brain, written by dcmtk dump2dcm';
  const seriesInstanceUids: string[] = [];
  const spacing = 240 / m;
  const [ox, oy, oz] = [(m - nx) >> 1, (m - ny) >> 1, (m - nz) >> 1]; // centre crop
  const work = fs.mkdtempSync(path.join(path.dirname(dir), 'dump-'));
  for (const [s, acq] of subject.acquisitions.slice(0, 2).entries()) {
    const seriesUid = newUid();
    seriesInstanceUids.push(seriesUid);
    const seriesDir = path.join(dir, `SE${s + 1}`);
    fs.mkdirSync(seriesDir, { recursive: true });
    for (let k = 0; k < nz; k++) {
      const px = Buffer.alloc(nx * ny * 2);
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const v = acq.data[i + ox + m * (j + oy + m * (k + oz))];
          px.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v / SLOPE))), 2 * (i + nx * j));
        }
      const raw = path.join(work, `px-${s}-${k}.raw`);
      fs.writeFileSync(raw, px);
      const z = -100 + k * spacing;
      const instance = nz - k; // reverse order on disk: instance 1 is the top slice
      const dump = [
        '(0008,0008) CS [ORIGINAL\\PRIMARY\\M\\ND]',
        '(0008,0016) UI =MRImageStorage',
        `(0008,0018) UI [${newUid()}]`,
        '(0008,0020) DA [20230302]',
        '(0008,0030) TM [101500]',
        '(0008,0060) CS [MR]',
        '(0008,0070) LO [Foreign Toolkit]',
        `(0008,1030) LO [${studyDescription}]`,
        `(0008,103e) LO [Na TPI ${s + 1}]`,
        '(0010,0010) PN [Foreign^Sodium]',
        '(0010,0020) LO [FOREIGN-7]',
        `(0018,0050) DS [${spacing}]`,
        '(0018,0085) SH [23Na]',
        '(0018,0087) DS [7]',
        `(0020,000d) UI [${studyInstanceUid}]`,
        `(0020,000e) UI [${seriesUid}]`,
        `(0020,0011) IS [${s + 11}]`,
        `(0020,0013) IS [${instance}]`,
        `(0020,0032) DS [-120\\-110\\${z}]`,
        '(0020,0037) DS [1\\0\\0\\0\\1\\0]',
        `(0020,0052) UI [${frameOfReference}]`,
        '(0028,0002) US 1',
        '(0028,0004) CS [MONOCHROME2]',
        `(0028,0010) US ${ny}`,
        `(0028,0011) US ${nx}`,
        `(0028,0030) DS [${spacing}\\${spacing}]`,
        '(0028,0100) US 16',
        '(0028,0101) US 16',
        '(0028,0102) US 15',
        '(0028,0103) US 1',
        '(0028,1052) DS [0]',
        `(0028,1053) DS [${SLOPE}]`,
        `(7fe0,0010) OW =${raw}`,
      ].join('\n');
      const dumpFile = path.join(work, `im-${s}-${k}.dump`);
      fs.writeFileSync(dumpFile, dump + '\n');
      execFileSync('dump2dcm', [
        '--write-xfer-little',
        dumpFile,
        path.join(seriesDir, `IM${String(instance).padStart(4, '0')}`),
      ]);
    }
  }
  fs.writeFileSync(path.join(dir, 'README.txt'), 'Exported by a scanner workstation; not DICOM.\n');
  fs.rmSync(work, { recursive: true, force: true });
  return { dir, studyInstanceUid, seriesInstanceUids, dims, studyDescription };
}

/** Path, size and mtime of every file below `dir`: equal before and after means nothing was written there. */
export function folderFingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}
