// Backend selection in Node: wasm and cpu are tried and measured, browser-only backends fail with a reason.
import { activateBackend, selectBackend } from '../../src/model/backend';
import { tf } from '../../src/model/tf';

describe('selectBackend (Node)', () => {
  it('tries wasm then cpu, measures both, and picks the faster (wasm)', async () => {
    const sel = await selectBackend();
    expect(sel.tried.map((t) => t.name)).toEqual(['wasm', 'cpu']);
    expect(sel.tried.every((t) => t.ok && (t.gflops ?? 0) > 0)).toBe(true);
    const [wasm, cpu] = sel.tried;
    expect(sel.backend).toBe(wasm.gflops! >= cpu.gflops! ? 'wasm' : 'cpu');
    expect(tf.getBackend()).toBe(sel.backend);
  });

  it('records why a browser backend is unavailable and falls back', async () => {
    const sel = await selectBackend({ candidates: ['webgpu', 'webgl', 'cpu'], measure: false });
    expect(sel.backend).toBe('cpu');
    expect(sel.tried[0]).toMatchObject({ name: 'webgpu', ok: false, reason: expect.stringMatching(/needs a browser/) });
    expect(sel.tried[1]).toMatchObject({ name: 'webgl', ok: false });
    expect(sel.tried[2]).toMatchObject({ name: 'cpu', ok: true });
  });

  it('honours a working preferred backend, and falls back from a broken one', async () => {
    expect((await selectBackend({ preferred: 'cpu', measure: false })).backend).toBe('cpu');
    const sel = await selectBackend({ preferred: 'nonsense', measure: false });
    expect(sel.tried[0]).toMatchObject({
      name: 'nonsense',
      ok: false,
      reason: expect.stringMatching(/unknown backend/),
    });
    expect(sel.backend).toBe('wasm');
    expect(await activateBackend('wasm')).toBeUndefined();
  });

  it('fails clearly when nothing works', async () => {
    await expect(selectBackend({ candidates: ['webgl'] })).rejects.toThrow(
      /no tfjs backend works: webgl: webgl needs a browser/,
    );
    await expect(selectBackend({ candidates: [] })).rejects.toThrow(/no candidate/);
  });
});
