// Backend selection in Node: wasm is tried and measured (cpu only when wasm fails), browser-only backends fail with a
// reason, a WebGL on a software rasterizer is not tried.
import { activateBackend, measureMatMulGflops, selectBackend, softwareWebGL } from '../../src/model/backend';
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

  it('leaves a WebGL on a software rasterizer untried, saying why; a GPU renderer is tried as before', async () => {
    // Renderer strings as Chromium and Firefox report them without a GPU, and with one.
    const swiftShader = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
    expect(softwareWebGL(swiftShader)).toBe(swiftShader);
    expect(softwareWebGL('llvmpipe (LLVM 15.0.7, 256 bits)')).toMatch(/llvmpipe/);
    expect(softwareWebGL('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBeUndefined();
    expect(softwareWebGL()).toBeUndefined(); // Node: no WebGL to ask
    const sel = await selectBackend({ candidates: ['webgl', 'wasm'], measure: false, webglRenderer: swiftShader });
    expect(sel.tried[0]).toMatchObject({ name: 'webgl', ok: false, software: swiftShader });
    expect(sel.tried[0].reason).toMatch(/software renderer .*SwiftShader.*not tried/);
    expect(sel.backend).toBe('wasm');
    // With a GPU renderer it is tried (and in Node fails for want of a browser, as before).
    const gpu = await selectBackend({ candidates: ['webgl', 'wasm'], measure: false, webglRenderer: 'Apple M2' });
    expect(gpu.tried[0]).toMatchObject({ name: 'webgl', ok: false, reason: expect.stringMatching(/needs a browser/) });
    expect(gpu.tried[0].software).toBeUndefined();
    // Preferred, it is activated whatever the renderer (a deployment's explicit choice).
    const preferred = await selectBackend({ preferred: 'webgl', measure: false, webglRenderer: swiftShader });
    expect(preferred.tried[0]).toMatchObject({ name: 'webgl', reason: expect.stringMatching(/needs a browser/) });
  });

  it('fails clearly when nothing works', async () => {
    await expect(selectBackend({ candidates: ['webgl'] })).rejects.toThrow(
      /no tfjs backend works: webgl: webgl needs a browser/,
    );
    await expect(selectBackend({ candidates: [] })).rejects.toThrow(/no candidate/);
  });
});
