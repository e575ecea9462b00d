// Prints one hash of what the build compiles from: the files tsconfig.json includes, the console's
// page (console/src), tsconfig.json
// itself and package-lock.json (the compiler's and the type definitions' versions). scripts/build.sh
// keeps it in dist/.build-inputs; `npm start` compiles only when it differs.
import { createHash } from 'node:crypto';
import { globSync, readFileSync } from 'node:fs';
import process from 'node:process';

const { include } = JSON.parse(readFileSync('tsconfig.json', 'utf8'));
const hash = createHash('sha256');
for (const file of ['tsconfig.json', 'package-lock.json', ...globSync([...include, 'console/src/**/*.{js,css}']).sort()]) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
process.stdout.write(`${hash.digest('hex')}\n`);
