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

/**
 * Oldest Python the pinned tools install on: moto 5.2 and its botocore need 3.10, schemathesis
 * (the contract test) 3.11.
 */
export const MIN_PYTHON = { major: 3, minor: 11 } as const;
const MIN_PYTHON_TEXT = `${MIN_PYTHON.major}.${MIN_PYTHON.minor}`;

/** `major.minor` of a Python executable, or undefined when it does not run. */
export const pythonVersion = async (command: string): Promise<string | undefined> => {
  const probe = await run(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const version = probe.output.trim();
  return probe.code === 0 && /^\d+\.\d+$/.test(version) ? version : undefined;
};

const isSupported = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_PYTHON.major || (major === MIN_PYTHON.major && minor >= MIN_PYTHON.minor);
};

/**
 * The Python to create `.venv` with: `PYTHON` when set, else the first of python3 and python
 * that is recent enough. Checked up front, because an older Python makes pip fail with a
 * message that blames the package index.
 */
export const findPython = async (env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const candidates = env.PYTHON ? [env.PYTHON] : ['python3', 'python'];
  const tooOld: string[] = [];
  for (const candidate of candidates) {
    const version = await pythonVersion(candidate);
    if (version === undefined) continue;
    if (isSupported(version)) return candidate;
    tooOld.push(`${candidate} is ${version}`);
  }
  const fix = `install Python ${MIN_PYTHON_TEXT}+ (with its venv module) or point PYTHON at one (PYTHON=/path/to/python3.12 npm run emulator:install)`;
  throw new EmulatorInstallError(
    tooOld.length > 0
      ? `The emulator needs Python ${MIN_PYTHON_TEXT} or newer, but ${tooOld.join(', ')}: ${fix}`
      : `Python ${MIN_PYTHON_TEXT}+ not found${env.PYTHON ? ` (PYTHON=${env.PYTHON} does not run)` : ''}: ${fix}`,
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

  if (existsSync(VENV_PYTHON)) {
    const version = await pythonVersion(VENV_PYTHON);
    if (version !== undefined && !isSupported(version)) {
      throw new EmulatorInstallError(
        `${VENV_DIR} was made with Python ${version}; the emulator needs ${MIN_PYTHON_TEXT} or newer: delete it (rm -rf .venv) and re-run npm run emulator:install with Python ${MIN_PYTHON_TEXT}+ (PYTHON=/path/to/python3.12 if it is not python3)`,
      );
    }
  } else {
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
