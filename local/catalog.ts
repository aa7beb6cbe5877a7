/**
 * Loads a catalog file into the local stage's catalog table, with the same validation and batch
 * writer as `npm run catalog:seed`. The table is the one the synthesized template gives the
 * functions (`CATALOG_TABLE_NAME`), so nothing is named twice.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '#commons/env-names';
import { loadCatalogFile, SAMPLE_CATALOG_FILE, writeCatalog } from '#ops/catalog';
import { emulatorClientConfig, type ProvisionedStage } from './provision.ts';

export { SAMPLE_CATALOG_FILE };

/** Writes `file`'s SKUs into the provisioned catalog table; returns how many. */
export const seedLocalCatalog = async (
  endpoint: string,
  provisioned: ProvisionedStage,
  file: string = SAMPLE_CATALOG_FILE,
): Promise<number> => {
  const tableName = provisioned.functionEnv[ENV.catalogTable];
  if (tableName === undefined) {
    throw new Error(
      `No function of the template has ${ENV.catalogTable}: the stage defines no catalog table to seed`,
    );
  }
  const items = await loadCatalogFile(file);
  const client = new DynamoDBClient(emulatorClientConfig(endpoint, provisioned.region));
  try {
    return await writeCatalog(DynamoDBDocumentClient.from(client), tableName, items);
  } finally {
    client.destroy();
  }
};
