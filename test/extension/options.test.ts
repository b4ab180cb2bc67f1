// The viewer's model choice (naDenoise.model): da by default, da-wide on request, a given weightsUrl wins over the
// name (as the CLI's --weights over --model), and an unknown name fails in one line; naDenoise.prefetch. Pure: < 1 s.
import { readOptions } from '../../src/extension/options';

describe('viewer model choice', () => {
  it('defaults to the paper’s DA and picks da-wide’s folder beside the bundle when asked', () => {
    expect(readOptions(undefined).model).toBe('da');
    expect(readOptions(undefined).weightsUrl).toMatch(/\/weights\/da\/$/);
    const wide = readOptions({ model: 'da-wide' });
    expect(wide.model).toBe('da-wide');
    expect(wide.weightsUrl).toMatch(/\/weights\/da-wide\/$/);
    expect(readOptions({ model: 'da-wide', weightsUrl: 'http://pacs/w/mine' }).weightsUrl).toBe('http://pacs/w/mine/');
  });

  it('refuses an unknown model name in one line', () => {
    expect(() => readOptions({ model: 'unet' })).toThrow("naDenoise.model: unknown model 'unet' (known: da, da-wide)");
  });

  it('blends the DA with NLM by SURE unless naDenoise.daBlend is off; refuses anything else in one line', () => {
    expect(readOptions(undefined).daBlend).toBeUndefined(); // the job's default (DA_BLEND_DEFAULT) applies
    expect(readOptions({ daBlend: 'off' }).daBlend).toBe('off');
    expect(() => readOptions({ daBlend: 'half' })).toThrow('naDenoise.daBlend must be sure or off, got "half"');
  });

  it('reads the shown series ahead of the first click unless naDenoise.prefetch is false; refuses a non-boolean', () => {
    expect(readOptions(undefined).prefetch).toBe(true);
    expect(readOptions({ prefetch: false }).prefetch).toBe(false);
    expect(() => readOptions({ prefetch: 'no' })).toThrow('naDenoise.prefetch must be true or false, got "no"');
  });
});
