import { includefieldCommas, isStowContentType, routeDicomweb, routeWadoUri } from '../../src/server/dicomwebRoute';
import { checkHost, hostName } from '../../src/server/requestGuards';
import { newUid } from '../../src/io';

// The proxy's decisions without a server (the real server and Orthanc are in test/security/).
const st = newUid();
const se = newUid();
const sop = newUid();

describe('routeDicomweb', () => {
  it('passes QIDO-RS, WADO-RS and STOW-RS with their methods, upstream as the canonical path', () => {
    const ok: Array<[string, string, string]> = [
      ['GET', '/dicom-web/studies?PatientID=1&limit=5', 'QIDO-RS'],
      ['GET', '/dicom-web/series', 'QIDO-RS'],
      ['GET', '/dicom-web/instances/', 'QIDO-RS'],
      ['GET', `/dicom-web/studies/${st}/series`, 'QIDO-RS'],
      ['GET', `/dicom-web/studies/${st}/instances`, 'QIDO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances`, 'QIDO-RS'],
      ['GET', `/dicom-web/studies/${st}`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/metadata`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/rendered`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/frames/1,2,3`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/frames/1/rendered`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/bulk/7fe00010`, 'WADO-RS'],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/bulk/00081140/0/00081155`, 'WADO-RS'],
      ['POST', '/dicom-web/studies', 'STOW-RS'],
      ['POST', `/dicom-web/studies/${st}`, 'STOW-RS'],
    ];
    for (const [method, target, service] of ok) {
      const r = routeDicomweb(method, target);
      expect([target, r]).toEqual([target, { ok: true, service, target: target.replace(/\/(\?|$)/, '$1') }]);
    }
    // %-encoded harmless characters are decoded: Orthanc receives exactly what was checked.
    expect(routeDicomweb('GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/frames/1%2C2`)).toMatchObject({
      target: `/dicom-web/studies/${st}/series/${se}/instances/${sop}/frames/1,2`,
    });
  });

  it('refuses encodings (400), other resources (404) and other methods (405 with Allow)', () => {
    const cases: Array<[string, string, number]> = [
      ['GET', '/dicom-web/..%2fsystem', 400],
      ['GET', '/dicom-web/%2e%2e/system', 400],
      ['GET', '/dicom-web/..%5csystem', 400],
      ['GET', '/dicom-web/%252e%252e%252fsystem', 400],
      ['GET', '/dicom-web/%c0%ae%c0%ae/system', 400],
      ['GET', '/dicom-web/studies;x', 400],
      ['GET', '/dicom-web/studies%00', 400],
      ['GET', '/dicom-web/%E0%A4%A', 400],
      ['GET', '/dicom-web//studies', 400],
      ['GET', '/dicom-web/studies?a=1#x', 400],
      ['GET', '/dicom-web/studies?a=\u00e9', 400],
      ['GET', '/dicom-web/system', 404],
      ['GET', '/dicom-web/servers/x', 404],
      ['GET', '/dicom-web/studies/1.02', 404],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/frames/0`, 404],
      ['GET', `/dicom-web/studies/${st}/series/${se}/instances/${sop}/bulk/7fe00010/0`, 404],
      ['GET', '/dicom-webx/studies', 404],
      ['DELETE', `/dicom-web/studies/${st}`, 405],
      ['PUT', '/dicom-web/studies', 405],
      ['POST', '/dicom-web/series', 405],
      ['HEAD', '/dicom-web/studies', 405],
    ];
    for (const [method, target, status] of cases)
      expect([method, target, routeDicomweb(method, target)]).toEqual([
        method,
        target,
        expect.objectContaining({ status }),
      ]);
    expect(routeDicomweb('DELETE', '/dicom-web/studies')).toMatchObject({ allow: 'GET, POST' });
  });

  it('recognises the STOW-RS content type', () => {
    expect(isStowContentType('multipart/related; type="application/dicom"; boundary=abc')).toBe(true);
    expect(isStowContentType('Multipart/Related;type=application/DICOM;boundary="a;b"')).toBe(true);
    expect(isStowContentType('multipart/related; type="application/dicom"')).toBe(false);
    expect(isStowContentType('multipart/related; type="application/dicom+json"; boundary=a')).toBe(false);
    expect(isStowContentType('text/plain')).toBe(false);
    expect(isStowContentType(undefined)).toBe(false);
  });
});

describe('routeWadoUri', () => {
  it('passes GET /wado with requestType=WADO and three valid UIDs, rebuilt; refuses the rest', () => {
    const q = `requestType=WADO&studyUID=${st}&seriesUID=${se}&objectUID=${sop}`;
    expect(routeWadoUri('GET', `/wado?${q}&contentType=application%2Fdicom`)).toEqual({
      ok: true,
      service: 'WADO-URI',
      target: `/wado?${q}&contentType=application/dicom`,
    });
    const cases: Array<[string, string, number]> = [
      ['POST', `/wado?${q}`, 405],
      ['GET', `/wado/x?${q}`, 404],
      ['GET', `/wado?${q}&anonymize=yes`, 400],
      ['GET', `/wado?${q}&objectUID=1.2`, 400],
      ['GET', `/wado?requestType=WADO&studyUID=${st}&seriesUID=${se}&objectUID=..%2f..%2fsystem`, 400],
      ['GET', `/wado?requestType=X&studyUID=${st}&seriesUID=${se}&objectUID=${sop}`, 400],
      ['GET', `/wado?${q}&contentType=text/html`, 400],
      ['GET', '/wado', 400],
    ];
    for (const [method, target, status] of cases)
      expect([method, target, routeWadoUri(method, target)]).toEqual([
        method,
        target,
        expect.objectContaining({ status }),
      ]);
  });
});

describe('checkHost', () => {
  it('accepts loopback names and the configured host on our port only', () => {
    expect(checkHost('127.0.0.1:8787', 8787, [])).toBe('127.0.0.1:8787');
    expect(checkHost('LOCALHOST:8787', 8787, [])).toBe('localhost:8787');
    expect(checkHost('[::1]:8787', 8787, [])).toBe('[::1]:8787');
    expect(checkHost('localhost', 80, [])).toBe('localhost:80');
    expect(checkHost('viewer.lan:8787', 8787, ['viewer.lan'])).toBe('viewer.lan:8787');
    expect(checkHost('[fe80::1]:8787', 8787, ['fe80::1'])).toBe('[fe80::1]:8787');
    for (const bad of ['evil:8787', 'localhost:8788', 'localhost', '127.0.0.2:8787', 'localhost.:8787', '', 'a b'])
      expect([bad, checkHost(bad, 8787, [])]).toEqual([bad, null]);
    expect(hostName('::1')).toBe('[::1]');
  });
});

describe('QIDO includefield', () => {
  it('decodes commas in includefield only (Orthanc splits literal commas; OHIF sends %2C)', () => {
    const study = newUid();
    const r = routeDicomweb(
      'GET',
      `/dicom-web/studies?StudyInstanceUID=${study}%2C1.2&includefield=00081030%2C00080060`,
    );
    expect(r).toMatchObject({
      ok: true,
      target: `/dicom-web/studies?StudyInstanceUID=${study}%2C1.2&includefield=00081030,00080060`,
    });
    expect(includefieldCommas('')).toBe('');
    expect(includefieldCommas('?IncludeField=a%2cb&x=1%2C2')).toBe('?IncludeField=a,b&x=1%2C2');
  });
});
