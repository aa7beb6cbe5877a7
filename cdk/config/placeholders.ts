/**
 * Finds the values in a stage's config that are stand-ins shipped with the project rather than
 * the deployer's own: AWS account ids made of one repeated digit, and URLs on the domains
 * reserved for documentation (`example.com`, `.example`, `.invalid`, `.test`, RFC 2606), and the
 * project's stand-in GitHub owner (`example-org`) in the pipeline's repository or a GitHub URL.
 * `cdk synth` warns about each one; `npm run preflight` refuses to pass while any is left.
 */
import type { StageConfig } from './stages.ts';

/** One stand-in value, where it is in the stage config, and how to replace it. */
export interface Placeholder {
  /** Path in the stage's config, e.g. `env.account` or `api.corsAllowOrigins[0]`. */
  readonly path: string;
  readonly value: string;
  /** One sentence: where to set the real value. */
  readonly fix: string;
}

export const STAGES_FILE = 'cdk/config/stages.ts';

const PLACEHOLDER_ACCOUNT = /^(\d)\1{11}$/;
const RESERVED_HOST = /(^|\.)(example\.(com|net|org)|example|invalid|test)$/i;
/** GitHub owners that stand for "your organisation" in the shipped config. */
const PLACEHOLDER_GITHUB_OWNER = /^(example(-org)?|your-(org|fork|name)|owner)$/i;

const hasPlaceholderOwner = (repository: string): boolean =>
  PLACEHOLDER_GITHUB_OWNER.test(repository.split('/')[0] ?? '');

/** `owner/name` of a github.com URL, when `value` is one. */
const githubRepositoryOf = (value: string): string | undefined => {
  try {
    const url = new URL(value);
    if (url.hostname !== 'github.com') return undefined;
    return url.pathname.split('/').filter(Boolean).slice(0, 2).join('/');
  } catch {
    return undefined;
  }
};

const isPlaceholderUrl = (value: string): boolean => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return RESERVED_HOST.test(url.hostname);
};

/** Every string in `value`, with its path. */
const strings = (value: unknown, path: string): { path: string; value: string }[] => {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value))
    return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      strings(item, path === '' ? key : `${path}.${key}`),
    );
  }
  return [];
};

/** The stand-in values of `config`, in config order; empty when it is ready to deploy. */
export const findPlaceholders = (config: StageConfig): Placeholder[] =>
  strings(config, '').flatMap(({ path, value }): Placeholder[] => {
    if (path === 'env.account' && PLACEHOLDER_ACCOUNT.test(value)) {
      return [
        {
          path,
          value,
          fix: `set env.account of stage ${config.stage} in ${STAGES_FILE}, or pass your 12-digit account id with -c account=<id> (npm run preflight -- --stage ${config.stage} --account <id>)`,
        },
      ];
    }
    if (path === 'pipeline.githubRepository' && hasPlaceholderOwner(value)) {
      return [
        {
          path,
          value,
          fix: `set GITHUB_REPOSITORY (owner/name of the repository whose workflows deploy the stages) in ${STAGES_FILE} to your fork; the deploy role trusts only that repository`,
        },
      ];
    }
    const repository = githubRepositoryOf(value);
    if (isPlaceholderUrl(value) || (repository !== undefined && hasPlaceholderOwner(repository))) {
      return [
        {
          path,
          value,
          fix: `set ${path} of stage ${config.stage} in ${STAGES_FILE} to your own URL`,
        },
      ];
    }
    return [];
  });

/** One line for a placeholder: what, where, and how to fix it. */
export const describePlaceholder = (config: StageConfig, placeholder: Placeholder): string =>
  `${config.stage}: ${placeholder.path} is a placeholder ('${placeholder.value}'): ${placeholder.fix}`;
