'use strict';
// Every value index.d.ts declares is exported by name, the same object,
// through require('confai') and through import { ... } from 'confai' (the
// package's "exports" map: index.js and index.mjs); and neither entry has
// a name the declarations lack (the ES module's default export is the
// CommonJS module object, as Node's import of CommonJS would give).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');

function declaredNames() {
  const text = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8');
  const names = [...text.matchAll(/^export (?:declare )?(?:const|function|class) (\w+)/gm)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

// Runs code as a module of an application next to the package, which it
// finds as 'confai' through node_modules (a link to this package).
function runApp(t, file, code) {
  const app = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'confai-exports-'));
  t.after(() => fs.rmSync(app, { recursive: true, force: true }));
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(root, path.join(app, 'node_modules', 'confai'));
  fs.writeFileSync(path.join(app, file), code);
  const r = spawnSync(process.execPath, [path.join(app, file)], { encoding: 'utf8', env: process.env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout);
}

test('index.d.ts declares the exports', () => {
  const names = declaredNames();
  assert.ok(names.includes('Client') && names.includes('createFetch') && names.includes('OPENAI_BASE_URL'), names.join());
  assert.ok(names.length >= 20, names.join());
});

test('CommonJS: every declared name, and no other', (t) => {
  const names = declaredNames();
  const got = runApp(t, 'app.cjs', `
    const confai = require('confai');
    console.log(JSON.stringify(Object.keys(confai).filter((k) => confai[k] !== undefined).sort()));
  `);
  assert.deepEqual(got, names);
});

test('ES module: every declared name by name, the same values as CommonJS', (t) => {
  const names = declaredNames();
  const got = runApp(t, 'app.mjs', `
    import { createRequire } from 'node:module';
    import * as ns from 'confai';
    import { ${names.join(', ')} } from 'confai';
    const cjs = createRequire(import.meta.url)('confai');
    const named = { ${names.join(', ')} };
    const same = Object.keys(named).filter((k) => named[k] !== undefined && named[k] === cjs[k]);
    console.log(JSON.stringify({
      same: same.sort(),
      all: Object.keys(ns).filter((k) => k !== 'default').sort(),
      defaultIsCjs: ns.default === cjs,
    }));
  `);
  assert.deepEqual(got.same, names);
  assert.deepEqual(got.all, names);
  assert.ok(got.defaultIsCjs, 'the default export is the CommonJS module');
});

test('an ES module import of an undeclared name is a SyntaxError', (t) => {
  assert.throws(() => runApp(t, 'bad.mjs', "import { NoSuchExport } from 'confai';\nconsole.log('{}');\n"),
    /does not provide an export named 'NoSuchExport'/);
});
