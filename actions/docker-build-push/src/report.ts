import { formatDuration } from '../../shared/duration';

/** One repository of `image` and what its registry answered. */
export interface ImageReport {
  /** `<registry>/<repository>`. */
  name: string;
  /** The repository as given in `image`, lower-cased: the key of the `digests` output. */
  key: string;
  /** Its full references, `<name>:<tag>`. */
  references: string[];
  /** The manifest digest its registry answered. */
  digest?: string;
}

/** What the step learned, filled in as it goes, so a failure still reports what is known. */
export interface BuildReport {
  /** The first repository, `<registry>/<repository>`. */
  image: string;
  /** Every repository, the first as `image`. */
  images: ImageReport[];
  /** Full references of every repository, `<image>:<tag>`. */
  references: string[];
  builder: string;
  pushed: boolean;
  /** The first repository's digest. */
  digest?: string;
  imageId?: string;
  /** Bytes of the image in the local store, when it is there. */
  sizeBytes?: number;
  buildMs?: number;
  pushMs?: number;
  platforms: string[];
  labels: Record<string, string>;
}

/** The image to deploy: by digest, so a moved tag can never change what runs. */
function imageRef(report: BuildReport): string {
  return report.digest ? `${report.image}@${report.digest}` : '';
}

/** `digests`: repository as given, lower-cased, to digest, for those that have one. */
function digests(report: BuildReport): Record<string, string> {
  const map: Record<string, string> = {};
  for (const image of report.images) if (image.digest) map[image.key] = image.digest;
  return map;
}

function imageRefs(report: BuildReport): string[] {
  return report.images.flatMap((image) => (image.digest ? [`${image.name}@${image.digest}`] : []));
}

export function outputs(report: BuildReport): Record<string, string> {
  const pushed = imageRefs(report);
  return {
    digest: report.digest ?? '',
    'image-ref': imageRef(report),
    digests: pushed.length > 0 ? JSON.stringify(digests(report)) : '',
    'image-refs': pushed.join('\n'),
    'image-url': report.references[0] ?? '',
    tags: report.references.join('\n'),
    'image-id': report.imageId ?? '',
    metadata: JSON.stringify(metadata(report)),
  };
}

export function metadata(report: BuildReport): Record<string, unknown> {
  return {
    image: report.image,
    tags: report.references,
    digest: report.digest ?? null,
    'image-ref': imageRef(report) || null,
    images: report.images.map((image) => image.name),
    digests: digests(report),
    'image-id': report.imageId ?? null,
    pushed: report.pushed,
    builder: report.builder,
    platforms: report.platforms,
    labels: report.labels,
    'size-bytes': report.sizeBytes ?? null,
    'build-seconds': seconds(report.buildMs),
    'push-seconds': seconds(report.pushMs),
  };
}

function seconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms) / 1000;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * The job summary's table, as rows of cells; the first row is the header. Every value is a
 * validated image name, tag or digest, so none needs HTML escaping; tags go one a line.
 */
export function summaryRows(report: BuildReport): string[][] {
  return [
    ['Image', 'Tags', 'Digest', 'Size', 'Build time', 'Push time', 'Builder'],
    ...report.images.map((image) => [
      image.name,
      image.references.join('<br>') || '(none)',
      report.pushed ? (image.digest ?? '(not established)') : '(not pushed)',
      formatBytes(report.sizeBytes) || '(not in the local store)',
      report.buildMs === undefined ? '(not built)' : formatDuration(report.buildMs),
      report.pushMs === undefined ? '' : formatDuration(report.pushMs),
      report.builder,
    ]),
  ];
}

/**
 * The OCI annotations every image gets, so a running container says where it came from.
 * The user's labels win over these.
 */
export function ociLabels(
  context: { serverUrl?: string; repository?: string; sha?: string; version?: string },
  now: Date,
): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': now.toISOString(),
  };
  if (context.serverUrl && context.repository) {
    labels['org.opencontainers.image.source'] = `${context.serverUrl}/${context.repository}`;
  }
  if (context.sha) labels['org.opencontainers.image.revision'] = context.sha;
  if (context.version) labels['org.opencontainers.image.version'] = context.version;
  return labels;
}

export function mergeLabels(own: Record<string, string>, user: string[]): Record<string, string> {
  const merged = { ...own };
  for (const line of user) {
    const equals = line.indexOf('=');
    merged[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return merged;
}
