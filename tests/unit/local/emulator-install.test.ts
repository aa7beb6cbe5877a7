import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorInstallError, findPython, pythonVersion } from '#local/emulator-install';

describe('findPython', () => {
  let dir: string;
  /** An executable that answers the version probe as a Python of `version` would. */
  const fakePython = async (version: string): Promise<string> => {
    const file = join(dir, `python${version}`);
    await writeFile(file, `#!/bin/sh\necho ${version}\n`);
    await chmod(file, 0o755);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-python-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads major.minor from the interpreter', async () => {
    expect(await pythonVersion(await fakePython('3.12'))).toBe('3.12');
    expect(await pythonVersion(join(dir, 'missing'))).toBeUndefined();
  });

  it.each(['3.11', '3.13', '4.0'])('accepts Python %s', async (version) => {
    const python = await fakePython(version);

    expect(await findPython({ PYTHON: python })).toBe(python);
  });

  it.each(['3.10', '3.9', '2.7'])(
    'refuses Python %s in one line naming the version needed',
    async (version) => {
      const python = await fakePython(version);

      const error = await findPython({ PYTHON: python }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(EmulatorInstallError);
      const message = (error as Error).message;
      expect(message).toContain('Python 3.11 or newer');
      expect(message).toContain(`${python} is ${version}`);
      expect(message).toContain('PYTHON=');
      expect(message).not.toContain('\n');
    },
  );

  it('says so when PYTHON does not run', async () => {
    await expect(findPython({ PYTHON: join(dir, 'missing') })).rejects.toThrow(
      /^Python 3\.11\+ not found \(PYTHON=.*missing does not run\): install/,
    );
  });
});
