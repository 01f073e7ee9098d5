import {
  goModulePath,
  parsePrefixRules,
  PathMapper,
  type PathMappingOptions,
} from './path-mapping';

const files = [
  'src/app/models.py',
  'src/app/__init__.py',
  'web/src/main/java/com/acme/Calc.java',
  'svc/shapes/shapes.go',
  'lib/util.js',
  'docs/util.js',
];

function mapper(options: Partial<PathMappingOptions> = {}): PathMapper {
  return new PathMapper({
    workspace: '/home/runner/work/app/app',
    workspaceFiles: files,
    prefixes: [],
    sourceRoots: [],
    goModules: [],
    ...options,
  });
}

test.each([
  ['src/app/models.py', undefined, 'src/app/models.py'],
  ['./src/app/../app/models.py', undefined, 'src/app/models.py'],
  ['/home/runner/work/app/app/src/app/models.py', undefined, 'src/app/models.py'],
  ['/app/src/app/models.py', undefined, 'src/app/models.py'],
  ['C:\\agent\\_work\\1\\s\\lib\\util.js', undefined, 'lib/util.js'],
  ['models.py', ['/builds/app/src/app'], 'src/app/models.py'],
  ['app/models.py', ['C:/nowhere', '/other/machine/src'], 'src/app/models.py'],
  ['com/acme/Calc.java', undefined, 'web/src/main/java/com/acme/Calc.java'],
])('%s (roots %j) is %s', (reportPath, roots, expected) => {
  expect(mapper().map(reportPath, roots)).toEqual({ path: expected, matched: true });
});

test('a name that ends several workspace paths is not guessed', () => {
  expect(mapper().map('util.js')).toEqual({ path: 'util.js', matched: false });
});

test('Go import paths go through go.mod', () => {
  const go = mapper({ goModules: [{ module: 'example.com/shapes', dir: 'svc/shapes' }] });
  expect(go.map('example.com/shapes/shapes.go')).toEqual({
    path: 'svc/shapes/shapes.go',
    matched: true,
  });
  expect(goModulePath('// x\nmodule example.com/shapes\n\ngo 1.19\n')).toBe('example.com/shapes');
});

test('path-prefix rules replace or remove a prefix; source-roots are tried in order', () => {
  const rules = parsePrefixRules(['/build/', '/srv/checkout=src']);
  expect(rules).toEqual([
    { from: '/build/', to: '' },
    { from: '/srv/checkout', to: 'src' },
  ]);
  const mapped = mapper({ prefixes: rules, workspaceFiles: [...files, 'src/x.py'] });
  expect(mapped.map('/srv/checkout/x.py')).toEqual({ path: 'src/x.py', matched: true });
  const rooted = mapper({ sourceRoots: ['docs'] });
  expect(rooted.map('util.js')).toEqual({ path: 'docs/util.js', matched: true });
});

test('a path matching nothing is kept, relative to the workspace when inside it', () => {
  expect(mapper().map('/home/runner/work/app/app/gone.py')).toEqual({
    path: 'gone.py',
    matched: false,
  });
  expect(mapper().map('/elsewhere/gone.py')).toEqual({
    path: '/elsewhere/gone.py',
    matched: false,
  });
});
