// Runs the TypeScript sources directly (npm start, the CLI): swc compiles with decorator
// metadata for NestJS and resolves the @turnaround/* path aliases of tsconfig.base.json.
process.env.SWC_NODE_PROJECT = require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
