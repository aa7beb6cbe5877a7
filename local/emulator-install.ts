/**
 * Installs the offline AWS emulator (moto server) into `.venv`, from `local/requirements.txt`.
 *
 * Does nothing when `.venv/bin/moto_server` exists and the requirements are unchanged since the
 * last install (their hash is stored in the venv), so every command can call it first.
 * Run alone: `npm run emulator:install`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isMainModule,
  LOCAL_STATE_DIR,
  MOTO_SERVER,
  REQUIREMENTS_FILE,
  REQUIREMENTS_STAMP,
  VENV_DIR,
  VENV_PYTHON,
} from './paths.ts';

/** An install failure with a one-line message that says how to fix it. */
export class EmulatorInstallError extends Error {
  override name = 'EmulatorInstallError';
}

const INSTALL_LOG = join(LOCAL_STATE_DIR, 'emulator-install.log');

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

const run = (command: string, args: readonly string[]): Promise<RunResult> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => resolve({ code: null, output: error.message }));
    child.on('close', (code) => resolve({ code, output }));
  });

const requirementsHash = async (): Promise<string> => {
  if (!existsSync(REQUIREMENTS_FILE)) {
    throw new EmulatorInstallError(
      `${REQUIREMENTS_FILE} is missing: restore it from git (git checkout local/requirements.txt)`,
    );
  }
  return createHash('sha256')
    .update(await readFile(REQUIREMENTS_FILE))
    .digest('hex');
};

/** True when the venv has moto_server and was built from the current requirements. */
export const isEmulatorInstalled = async (): Promise<boolean> => {
  if (!existsSync(MOTO_SERVER) || !existsSync(REQUIREMENTS_STAMP)) return false;
  const stamp = (await readFile(REQUIREMENTS_STAMP, 'utf8')).trim();
  return stamp === (await requirementsHash());
};

const findPython = async (): Promise<string> => {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const probe = await run(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 11))']);
    if (probe.code === 0 && probe.output.trim() === 'True') return candidate;
  }
  throw new EmulatorInstallError(
    'Python 3.11+ not found (moto and schemathesis need it): install it (e.g. apt-get install python3 python3-venv, or set PYTHON=/path/to/python3) and re-run npm run emulator:install',
  );
};

const saveLog = async (output: string): Promise<string> => {
  await mkdir(LOCAL_STATE_DIR, { recursive: true });
  await writeFile(INSTALL_LOG, output);
  return INSTALL_LOG;
};

/**
 * Creates `.venv` and pip-installs the emulator when needed.
 * @returns whether anything was installed.
 */
export const ensureEmulatorInstalled = async (
  options: { readonly log?: (line: string) => void } = {},
): Promise<boolean> => {
  if (await isEmulatorInstalled()) return false;
  const log = options.log ?? (() => undefined);
  const hash = await requirementsHash();

  if (!existsSync(VENV_PYTHON)) {
    const python = await findPython();
    log(`Creating ${VENV_DIR} with ${python}...`);
    const venv = await run(python, ['-m', 'venv', VENV_DIR]);
    if (venv.code !== 0) {
      const logFile = await saveLog(venv.output);
      throw new EmulatorInstallError(
        `Could not create ${VENV_DIR} (see ${logFile}): install the venv module (e.g. apt-get install python3-venv), delete .venv and re-run npm run emulator:install`,
      );
    }
  }

  log('Installing local/requirements.txt into .venv (the moto emulator, schemathesis)...');
  const pip = await run(VENV_PYTHON, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--quiet',
    '-r',
    REQUIREMENTS_FILE,
  ]);
  if (pip.code !== 0 || !existsSync(MOTO_SERVER)) {
    const logFile = await saveLog(pip.output);
    throw new EmulatorInstallError(
      `pip could not install local/requirements.txt (see ${logFile}): check access to PyPI (or PIP_INDEX_URL), then re-run npm run emulator:install (rm -rf .venv for a clean start)`,
    );
  }
  await writeFile(REQUIREMENTS_STAMP, `${hash}\n`);
  log('Emulator installed.');
  return true;
};

if (isMainModule(import.meta.url)) {
  try {
    const installed = await ensureEmulatorInstalled({ log: (line) => console.log(line) });
    if (!installed)
      console.log('Emulator already installed (.venv/bin/moto_server, requirements unchanged).');
  } catch (error) {
    console.error(
      error instanceof EmulatorInstallError
        ? error.message
        : `Emulator install failed: ${String(error)}`,
    );
    process.exitCode = 1;
  }
}
