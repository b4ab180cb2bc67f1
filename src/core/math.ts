// Math and Number functions as module bindings, for hot loops. Under Jest every test file runs in a vm context, where
// each lookup of a global such as `Math` goes through the context's interceptor: 2·10⁷ iterations of Math.sqrt +
// Math.floor took 35 s there against 0.5 s through these bindings (the same as a local alias). Plain Node and
// browsers run both equally fast. Import from here instead of aliasing `Math` per module.
export const { abs, ceil, cos, exp, floor, hypot, imul, log, log2, max, min, pow, round, sin, sqrt } = Math;
export const { isFinite: isFiniteNumber, isInteger } = Number;
