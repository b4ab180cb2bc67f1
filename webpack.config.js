// Builds the "Denoise Na" OHIF extension and mode as two ES modules (dist/na/na-denoise.js, na-mode.js) that the
// stock OHIF 3.13 viewer imports at run time from the URLs in window.config. Cornerstone3D comes from the host
// (lazy externals, never bundled twice); tfjs, its backends and dcmjs are bundled; tfjs' .wasm files are copied
// beside the bundle, where setWasmPaths() finds them.
const fs = require('node:fs');
const path = require('node:path');
// webpack's own default minimizer (terser), instantiated here only to exclude one chunk.
const MinimizerPlugin = require('minimizer-webpack-plugin');

const OUT_DIR = path.join(__dirname, 'dist', 'na');
const TFJS_WASM_DIR = path.join(__dirname, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

/**
 * A host global read at the point of use: the host sets window.cornerstone only after our module has been
 * evaluated, so a plain `var cornerstone` external would capture `undefined`.
 */
const lazyGlobal = (name) =>
  `var new Proxy({}, { get: (_, k) => { const m = globalThis[${JSON.stringify(name)}]; ` +
  `if (!m) throw new Error(${JSON.stringify(name)} + ' is not ready: use it inside hooks and commands'); return m[k]; } })`;

/** @ohif/core has no runtime object reachable from an extension: type-only imports are fine, values fail loudly. */
const typesOnly = (name) =>
  `var new Proxy({}, { get: (_, k) => { throw new Error(${JSON.stringify(name)} + ' is types-only in this bundle (read ' + String(k) + ')'); } })`;

/** Copies tfjs-backend-wasm's .wasm binaries next to the bundle (no copy-webpack-plugin needed). */
class CopyTfjsWasmPlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyTfjsWasmPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'CopyTfjsWasmPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          for (const file of fs.readdirSync(TFJS_WASM_DIR).filter((f) => f.endsWith('.wasm'))) {
            const src = path.join(TFJS_WASM_DIR, file);
            compilation.fileDependencies.add(src);
            compilation.emitAsset(file, new compiler.webpack.sources.RawSource(fs.readFileSync(src)));
          }
        },
      );
    });
  }
}

/** @type {(env: unknown, argv: { mode?: string }) => import('webpack').Configuration} */
module.exports = (_env, argv) => ({
  mode: argv.mode ?? 'production',
  target: ['web', 'es2022'],
  entry: {
    'na-denoise': './src/extension/index.ts',
    'na-mode': './src/extension/mode/index.ts',
  },
  experiments: { outputModule: true },
  output: {
    path: OUT_DIR,
    filename: '[name].js',
    chunkFilename: 'chunks/[name].[contenthash:8].js',
    module: true,
    library: { type: 'module' },
    chunkFormat: 'module',
    publicPath: 'auto',
    clean: true,
  },
  externalsType: 'var',
  externals: {
    '@cornerstonejs/core': lazyGlobal('cornerstone'),
    '@cornerstonejs/tools': lazyGlobal('cornerstoneTools'),
    '@ohif/core': typesOnly('@ohif/core'),
  },
  resolve: {
    extensions: ['.ts', '.js'],
    // Node-only modules that shared layers may reference behind runtime checks; never reached in the browser.
    fallback: {
      fs: false,
      path: false,
      worker_threads: false,
      os: false,
      crypto: false,
      util: false,
      url: false,
      child_process: false,
    },
  },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: {
          loader: 'ts-loader',
          options: {
            transpileOnly: true,
            compilerOptions: { module: 'es2022', moduleResolution: 'bundler', noEmit: false, sourceMap: true },
          },
        },
      },
    ],
  },
  plugins: [
    // `node:fs` → `fs`, so the fallbacks above apply to both spellings.
    new (require('webpack').NormalModuleReplacementPlugin)(/^node:/, (r) => {
      r.request = r.request.replace(/^node:/, '');
    }),
    new CopyTfjsWasmPlugin(),
  ],
  devtool: 'source-map',
  performance: { hints: false },
  optimization: {
    // tfjs-backend-wasm starts its threads from `factory.toString()` in a Blob: a minified factory refers to
    // renamed outer variables ("a is not defined" in every worker). Keep that one module in its own, unminified chunk.
    splitChunks: {
      cacheGroups: {
        default: false,
        defaultVendors: false,
        tfjsWasmThreaded: {
          test: /tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/,
          name: 'tfjs-wasm-threaded',
          chunks: 'all',
          enforce: true,
        },
      },
    },
    minimizer: [new MinimizerPlugin({ exclude: /tfjs-wasm-threaded/ })],
  },
});
