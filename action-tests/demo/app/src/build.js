// Builds the site for a release: `node src/build.js OUT_DIR`, with VERSION (and COMMIT) in the
// environment, the way a CI step passes them.
'use strict';

const { writeSite } = require('./site');

function build(argv, env) {
  const [directory] = argv;
  if (!directory) throw new Error('usage: node src/build.js OUT_DIR (VERSION=1.2.3 required)');
  const written = writeSite(directory, { version: env.VERSION, commit: env.COMMIT });
  return `${written.length} files for release ${env.VERSION} in ${directory}`;
}

if (require.main === module) {
  try {
    process.stdout.write(`${build(process.argv.slice(2), process.env)}\n`);
  } catch (error) {
    process.stderr.write(`build: ${error.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { build };
