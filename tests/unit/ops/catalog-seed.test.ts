import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STAGES } from '#config/stages';
import { loadCatalogFile, parseCatalog, SAMPLE_CATALOG_FILE, writeCatalog } from '#ops/catalog';
import { main, regionFor } from '#ops/catalog-seed';
import { CliError } from '#ops/cli';

const ssm = mockClient(SSMClient);
const ddb = mockClient(DynamoDBDocumentClient);

const sku = (n: number) => ({
  sku: `SKU-${n}`,
  name: `Item ${n}`,
  active: n % 2 === 0,
  prices: { EUR: 100 + n },
});

const catalogFile = async (document: unknown): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
  const file = join(dir, 'catalog.json');
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document));
  return file;
};

describe('catalog files', () => {
  it('loads the sample catalog, which holds the SKUs of the README examples', async () => {
    const items = await loadCatalogFile(SAMPLE_CATALOG_FILE);

    expect(items.map((item) => item.sku)).toEqual(expect.arrayContaining(['SKU-1', 'SKU-2']));
    expect(items.find((item) => item.sku === 'SKU-1')?.prices.EUR).toBe(1250);
    expect(items.some((item) => !item.active)).toBe(true);
  });

  it.each([
    ['no items', { items: [] }, /items/],
    ['a negative price', { items: [{ ...sku(1), prices: { EUR: -1 } }] }, /items\.0\.prices\.EUR/],
    [
      'a currency the API does not sell in',
      { items: [{ ...sku(1), prices: { JPY: 1 } }] },
      /items\.0\.prices/,
    ],
    [
      'a fractional price',
      { items: [{ ...sku(1), prices: { EUR: 9.99 } }] },
      /items\.0\.prices\.EUR/,
    ],
    ['a SKU twice', { items: [sku(1), sku(2), sku(1)] }, /items\.2\.sku: duplicate SKU SKU-1/],
    ['an unknown field', { items: [{ ...sku(1), colour: 'red' }] }, /items\.0/],
    ['a bad SKU', { items: [{ ...sku(1), sku: 'has space' }] }, /items\.0\.sku/],
  ])('refuses a catalog with %s, naming where', (_case, document, where) => {
    expect(() => parseCatalog(document, 'c.json')).toThrow(where);
    expect(() => parseCatalog(document, 'c.json')).toThrow(/^c\.json is not a valid catalog/);
  });

  it('says when the file is missing or not JSON', async () => {
    await expect(loadCatalogFile('/nonexistent/catalog.json')).rejects.toThrow(/does not exist/);
    await expect(loadCatalogFile(await catalogFile('{"items": ['))).rejects.toThrow(/is not JSON/);
  });
});

describe('writeCatalog', () => {
  afterEach(() => ddb.reset());

  it('writes 25 items per BatchWriteItem and re-sends unprocessed ones', async () => {
    // Prepare
    const items = Array.from({ length: 30 }, (_, n) => sku(n));
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { catalog: [{ PutRequest: { Item: items[3] } }] },
      })
      .resolves({});
    const progress: string[] = [];

    // Act
    const written = await writeCatalog(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      'catalog',
      items,
      { backoffBaseMs: 1, onBatch: (done, total) => progress.push(`${done}/${total}`) },
    );

    // Assess
    expect(written).toBe(30);
    expect(progress).toEqual(['25/30', '30/30']);
    const batches = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.catalog?.length);
    expect(batches).toEqual([25, 1, 5]);
  });

  it('gives up, saying so, when items stay unprocessed', async () => {
    ddb.on(BatchWriteCommand).resolves({
      UnprocessedItems: { catalog: [{ PutRequest: { Item: sku(1) } }] },
    });

    await expect(
      writeCatalog(
        DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
        'catalog',
        [sku(1)],
        {
          backoffBaseMs: 1,
          maxAttempts: 3,
        },
      ),
    ).rejects.toThrow(/unprocessed after 3 attempts/);
  });
});

describe('npm run catalog:seed', () => {
  let stderr: string;
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      stderr += String(text);
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.stubEnv('AWS_ENDPOINT_URL', '');
  });
  afterEach(() => {
    ssm.reset();
    ddb.reset();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('finds the table through the stage parameter, writes the SKUs with progress and prints a summary', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: 'Orders-dev-Data-CatalogTable-X' } });
    ddb.on(BatchWriteCommand).resolves({});
    const file = await catalogFile({ items: [sku(1), sku(2), sku(3)] });

    // Act
    const code = await main(['--stage', 'dev', '--file', file]);

    // Assess
    expect(code).toBe(0);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/Orders/dev/catalog-table-name',
    });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { 'Orders-dev-Data-CatalogTable-X': expect.any(Array) },
    });
    expect(stderr).toMatch(/\[1\] validate .* done in/);
    expect(stderr).toMatch(/\[2\] find the catalog table .* done in/);
    expect(stderr).toMatch(/\[3\] write 3 SKUs .* done in/);
    expect(console.log).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Loaded 3 SKUs \(1 active, 2 inactive\) into Orders-dev-Data-CatalogTable-X for stage dev/,
      ),
    );
  });

  it('validates the file before touching AWS', async () => {
    const file = await catalogFile({ items: [{ ...sku(1), prices: { EUR: 'free' } }] });

    await expect(main(['--stage', 'dev', '--file', file])).rejects.toThrow(CliError);
    expect(ssm).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('says to deploy the stage first when its parameter does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    const file = await catalogFile({ items: [sku(1)] });

    await expect(main(['--stage', 'staging', '--file', file])).rejects.toThrow(
      /\/Orders\/staging\/catalog-table-name does not exist .*cdk deploy -c stage=staging.*--table/,
    );
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('writes to the table given with --table without asking SSM', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const file = await catalogFile({ items: [sku(1)] });

    await main(['--stage', 'dev', '--file', file, '--table', 'my-table']);

    expect(ssm).not.toHaveReceivedAnyCommand();
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { 'my-table': expect.any(Array) },
    });
  });

  it('rejects missing options and unknown stages with the usage', async () => {
    await expect(main(['--stage', 'dev'])).rejects.toThrow(/--file is required/);
    await expect(main(['--stage', 'qa', '--file', 'x.json'])).rejects.toThrow(
      /Unknown stage 'qa'.*Usage/,
    );
  });

  it('talks to the stage region, or the emulator region when AWS_ENDPOINT_URL is set', () => {
    expect(regionFor(STAGES.prod, undefined, {})).toBe(STAGES.prod.env.region);
    expect(regionFor(STAGES.prod, undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toBe(
      'us-east-1',
    );
    expect(regionFor(STAGES.prod, 'eu-central-1', {})).toBe('eu-central-1');
  });
});
