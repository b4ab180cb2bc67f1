#!/usr/bin/env node
// `npm start`: installs npm dependencies if missing, then serves the product (filled in by the viewer issue).
const path = require('node:path');
const { ensureNodeModules } = require('./setup');
const root = path.join(__dirname, '..');
ensureNodeModules(root);
console.error('npm start: the viewer server is not written yet.');
process.exit(1);
