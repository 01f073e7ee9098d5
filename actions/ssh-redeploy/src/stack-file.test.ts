import * as yaml from 'yaml';
import { ConfigurationError } from '../../shared/errors';
import { planStack } from './stack-file';

const COMPOSE = `# the shop
version: "3.8"
services:
  web:
    image: registry.example.com/shop/web:1.0 # pinned by the pipeline
    deploy:
      replicas: 2
  worker:
    image: registry.example.com/shop/web:1.0
    command: ["worker"]
  cache:
    image: redis:7
`;
const NEW = 'registry.example.com/shop/web@sha256:' + 'a'.repeat(64);

const plan = (text: string, image?: string, chosen: string[] = []) =>
  planStack(yaml, 'docker-stack.yml', text, image, chosen);

describe('planStack', () => {
  it('sets image on every service of the same repository, keeping comments', () => {
    const result = plan(COMPOSE, NEW);
    expect(result.services).toEqual(['web', 'worker', 'cache']);
    expect(result.rewritten).toEqual(['web', 'worker']);
    const parsed = yaml.parse(result.text) as { services: Record<string, { image: string }> };
    expect(parsed.services.web.image).toBe(NEW);
    expect(parsed.services.worker.image).toBe(NEW);
    expect(parsed.services.cache.image).toBe('redis:7');
    expect(result.text).toContain('# the shop');
    expect(result.text).toContain('# pinned by the pipeline');
  });

  it('sets image on the services named, and only those', () => {
    const result = plan(COMPOSE, NEW, ['worker']);
    expect(result.rewritten).toEqual(['worker']);
    const parsed = yaml.parse(result.text) as { services: Record<string, { image: string }> };
    expect(parsed.services.web.image).toBe('registry.example.com/shop/web:1.0');
  });

  it('matches Docker Hub images with or without their implicit names', () => {
    expect(plan(COMPOSE, 'docker.io/library/redis:7.2').rewritten).toEqual(['cache']);
  });

  it('leaves the file as it is without image', () => {
    expect(plan(COMPOSE)).toEqual({
      text: COMPOSE,
      services: ['web', 'worker', 'cache'],
      rewritten: [],
    });
  });

  it('refuses a file that does not parse, or has no services', () => {
    expect(() => plan('services:\n  web: [unclosed\n')).toThrow(
      /^Input 'compose-file': docker-stack.yml is not valid YAML/,
    );
    expect(() => plan('version: "3.8"\n')).toThrow(/has no services/);
    expect(() => plan('- a\n- b\n')).toThrow(ConfigurationError);
  });

  it('refuses an image no service runs, and names that are not services', () => {
    expect(() => plan(COMPOSE, 'registry.example.com/other:2')).toThrow(
      /^Input 'stack-services': no service of docker-stack.yml runs an image of registry.example.com\/other/,
    );
    expect(() => plan(COMPOSE, NEW, ['db'])).toThrow(/'db' is not a service of docker-stack.yml/);
    expect(() => plan(COMPOSE, undefined, ['web'])).toThrow(/give image too/);
  });
});
