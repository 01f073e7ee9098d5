const fs = require('node:fs');

const firstPath = process.env.PATH.split(':')[0];
fs.appendFileSync(
  process.env.GITHUB_OUTPUT,
  `seen=${process.env.STATE_started}|${process.env.FROM_MAIN}|${firstPath}|${process.env.INPUT_WORD}\n`,
);
