/**
 * What fault injection loads even where it is disabled: the Powertools SSM provider and the SSM
 * client, imported statically by `functions/commons/fault-injection.ts`.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';

const provider = new SSMProvider({ awsSdkV3Client: new SSMClient({}) });

export const handler = async () => provider.get('/bench/unused');
