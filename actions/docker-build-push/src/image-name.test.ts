import { ConfigurationError } from '../../shared/errors';
import { checkRegistry, parseImageName } from './image-name';

describe('parseImageName', () => {
  test.each([
    ['user/app', 'docker.io', 'user/app', undefined],
    ['nginx', 'docker.io', 'library/nginx', undefined],
    ['docker.io/user/app', 'docker.io', 'user/app', undefined],
    ['index.docker.io/user/app', 'docker.io', 'user/app', undefined],
    ['ghcr.io/org/app', 'ghcr.io', 'org/app', 'ghcr.io'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000', 'team/app', '127.0.0.1:5000'],
    ['localhost/app', 'localhost', 'app', 'localhost'],
  ])('%s', (text, registry, repository, loginServer) => {
    expect(parseImageName(text)).toEqual({
      registry,
      repository,
      fullName: `${registry}/${repository}`,
      loginServer,
      lowerCased: false,
      written: text,
    });
  });

  test('upper case is lowered, and says so', () => {
    expect(parseImageName('GHCR.io/Octo-Org/My_App')).toMatchObject({
      fullName: 'ghcr.io/octo-org/my_app',
      lowerCased: true,
    });
  });

  test.each([
    ['', /is required/],
    ['user/app:1.0', /carries a tag :1\.0.*tags: 1\.0/],
    [`user/app@sha256:${'a'.repeat(64)}`, /carries a digest/],
    ['user//app', /not a valid image name/],
    ['user/app!', /not a valid image name/],
    ['-app', /not a valid image name/],
  ])('%j is refused', (text, message) => {
    const run = () => parseImageName(text);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^Input 'image'/);
  });
});

describe('checkRegistry', () => {
  test.each([
    ['', 'user/app'],
    ['docker.io', 'user/app'],
    ['index.docker.io', 'user/app'],
    ['https://index.docker.io/v1/', 'user/app'],
    ['ghcr.io', 'ghcr.io/org/app'],
    ['https://GHCR.io/', 'ghcr.io/org/app'],
    ['127.0.0.1:5000', '127.0.0.1:5000/team/app'],
  ])('%j agrees with %s', (registry, image) => {
    expect(() => checkRegistry(registry, [parseImageName(image)])).not.toThrow();
  });

  test.each([
    ['ghcr.io', 'user/app', /image: ghcr\.io\/user\/app/],
    ['docker.io', 'ghcr.io/org/app', /is not the registry of image 'ghcr\.io\/org\/app'/],
    ['127.0.0.1:5001', '127.0.0.1:5000/team/app', /\(127\.0\.0\.1:5000\)/],
  ])('%j differs from %s', (registry, image, message) => {
    const run = () => checkRegistry(registry, [parseImageName(image)]);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^Input 'registry'/);
  });
});
