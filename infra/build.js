// `nx build <deployable>`: the production build of services/all-in-one or services/cli, run
// with plain Node (no TypeScript at run time, unlike infra/register.js in development).
//
//   node infra/build.js services/all-in-one   ->   node dist/services/all-in-one/main.js
//
// tsc compiles the project's tsconfig.build.json: the project and every library it imports,
// keeping their paths under dist/<project> (e.g. dist/services/all-in-one/libs/domain/src).
// Two things tsc leaves to us:
// - the @turnaround/* imports, which tsconfig.base.json maps to sources, are left as written:
//   each compiled library gets a node_modules/@turnaround/<name> entry beside the output that
//   Node's own resolution finds, and the production dependencies come from the node_modules
//   of the directory above dist (the repository, or /app in the image);
// - the files a library reads at run time from directories beside its `src` (the feed
//   profiles and indicators of libs/feeds): every such directory of a compiled project is
//   copied, except `fixtures`, which only tests read.
'use strict';
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const project = process.argv[2];
if (!project || !existsSync(join(root, project, 'tsconfig.build.json'))) {
  console.error('usage: node infra/build.js <project root with a tsconfig.build.json>, e.g. services/all-in-one');
  process.exit(2);
}
const out = join(root, 'dist', project);
rmSync(out, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, project, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
} catch {
  process.exit(1); // tsc has printed the errors
}

const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

const projects = new Set([project, ...Object.values(paths).map(([source]) => source.split('/src/')[0])]);
for (const compiled of projects) {
  if (!existsSync(join(out, compiled, 'src'))) continue;
  for (const entry of readdirSync(join(root, compiled), { withFileTypes: true }))
    if (entry.isDirectory() && entry.name !== 'src' && entry.name !== 'fixtures')
      cpSync(join(root, compiled, entry.name), join(out, compiled, entry.name), { recursive: true });
}

for (const [alias, [source]] of Object.entries(paths)) {
  const compiled = join(out, source.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) continue; // a library this deployable does not import
  const entry = join(out, 'node_modules', alias, 'index.js');
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(entry, `module.exports = require(${JSON.stringify(relative(dirname(entry), compiled).split('\\').join('/'))});\n`);
}

const main = join(project, 'src', 'main.js');
writeFileSync(join(out, 'main.js'), `require(${JSON.stringify(`./${main.split('\\').join('/')}`)});\n`);
console.log(`built ${project}: node ${relative(root, join(out, 'main.js'))}`);
