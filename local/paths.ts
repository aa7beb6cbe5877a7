import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, resolved from this file so commands work from any working directory. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VENV_DIR = join(REPO_ROOT, '.venv');
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');
export const MOTO_SERVER = join(VENV_DIR, 'bin', 'moto_server');
export const REQUIREMENTS_FILE = join(REPO_ROOT, 'local', 'requirements.txt');
/** Hash of the requirements the venv was built from; a change triggers a reinstall. */
export const REQUIREMENTS_STAMP = join(VENV_DIR, '.requirements.sha256');
/** Scratch space for logs of the local tooling (gitignored). */
export const LOCAL_STATE_DIR = join(REPO_ROOT, '.local');

/** True when the module at `metaUrl` is the script node was started with (`tsx local/x.ts`). */
export const isMainModule = (metaUrl: string): boolean =>
  process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
