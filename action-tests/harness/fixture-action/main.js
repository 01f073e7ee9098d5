// Writes through every runner channel, the way @actions/core does, for the harness tests.
const fs = require('node:fs');

const word = process.env.INPUT_WORD;
fs.appendFileSync(process.env.GITHUB_OUTPUT, `word<<END_1\n${word}\nsecond line\nEND_1\n`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `version=${process.version}\n`);
fs.appendFileSync(process.env.GITHUB_STATE, `started=${word}-state\n`);
fs.appendFileSync(process.env.GITHUB_ENV, 'FROM_MAIN=exported\n');
fs.appendFileSync(process.env.GITHUB_PATH, '/opt/fixture/bin\n');
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '### fixture summary\n');
process.stdout.write(
  `::notice::event ${process.env.GITHUB_EVENT_NAME} in ${process.env.GITHUB_WORKSPACE === process.cwd() ? 'workspace' : 'elsewhere'}\n`,
);
process.exitCode = Number(process.env['INPUT_EXIT-CODE']);
