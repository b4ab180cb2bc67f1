// The stock OHIF viewer (@ohif/app@3.13.2's built dist/). Its npm package cannot be `npm install`ed
// (it depends on an unpublished @ohif/ui@3.13.2), so we fetch its tarball from the npm registry with
// `npm pack`, check it against a pinned integrity hash, and unpack dist/ into .cache/ohif-app.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const OHIF_APP_VERSION = '3.13.2';
/** Our own record of the tarball (`npm view @ohif/app@3.13.2 dist.integrity`): the download must match it, whatever
 * the registry says today. */
const OHIF_APP_INTEGRITY =
  'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==';

function ohifDistDir(root) {
  return path.join(path.resolve(root), '.cache', `ohif-app-${OHIF_APP_VERSION}`, 'dist');
}

function ensureOhifDist(root) {
  const dist = ohifDistDir(root);
  if (fs.existsSync(path.join(dist, 'index.html'))) return dist;
  const cache = path.dirname(dist);
  fs.mkdirSync(cache, { recursive: true });
  console.error(`[setup] fetching @ohif/app@${OHIF_APP_VERSION} (the stock viewer's dist/) from the npm registry…`);
  const out = execFileSync('npm', ['pack', `@ohif/app@${OHIF_APP_VERSION}`, '--json', '--pack-destination', cache], {
    cwd: cache,
    encoding: 'utf8',
  });
  const info = JSON.parse(out)[0];
  const tgz = path.join(cache, info.filename);
  const integrity = 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(tgz)).digest('base64');
  if (integrity !== OHIF_APP_INTEGRITY || integrity !== info.integrity) {
    fs.rmSync(tgz, { force: true });
    throw new Error(`@ohif/app tarball integrity mismatch: got ${integrity}, pinned ${OHIF_APP_INTEGRITY}`);
  }
  execFileSync('tar', ['-xzf', tgz, '-C', cache, '--strip-components=1', 'package/dist'], { stdio: 'inherit' });
  fs.rmSync(tgz);
  return dist;
}

module.exports = { ensureOhifDist, ohifDistDir, OHIF_APP_VERSION, OHIF_APP_INTEGRITY };
