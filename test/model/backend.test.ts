// Backend selection in Node: wasm is tried and measured (cpu only when wasm fails), browser-only backends fail with a reason.
import { activateBackend, measureMatMulGflops, selectBackend } from '../../src/model/backend';
import { tf } from '../../src/model/tf';

describe('selectBackend (Node)', () => {
  it('measures wasm and leaves the slower cpu backend untried once wasm works', async () => {
    const sel = await selectBackend();
    expect(sel.tried.map((t) => t.name)).toEqual(['wasm']);
    expect(sel.tried[0].ok && (sel.tried[0].gflops ?? 0) > 0).toBe(true);
    expect(sel.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // Why skipping it is safe: the cpu backend is far slower on (a small version of) the DA's matMul.
    const wasm = await measureMatMulGflops(32, 1728, 64, 0);
    expect(await activateBackend('cpu')).toBeUndefined();
    const cpu = await measureMatMulGflops(32, 1728, 64, 0);
    expect(cpu).toBeLessThan(wasm);
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
