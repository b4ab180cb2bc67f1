// Preloaded with `node --require` (through NODE_OPTIONS, so tsx's child process gets it too): when the process
// exits, appends one JSON line {"modules": n, "tensorflow": [paths], "dcmjs": [paths], "fflate": [paths]} to the file named by $LOADED_MODULES_OUT.
process.on('exit', () => {
  const modules = Object.keys(require.cache);
  const tensorflow = modules.filter((m) =>
    m.includes(`${require('node:path').sep}@tensorflow${require('node:path').sep}`),
  );
  const dcmjs = modules.filter((m) => m.includes(`${require('node:path').sep}dcmjs${require('node:path').sep}`));
  const fflate = modules.filter((m) => m.includes(`${require('node:path').sep}fflate${require('node:path').sep}`));
  require('node:fs').appendFileSync(
    process.env.LOADED_MODULES_OUT,
    JSON.stringify({ modules: modules.length, tensorflow, dcmjs, fflate }) + '\n',
  );
});
