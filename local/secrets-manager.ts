/**
 * Secrets Manager, locally: every `AWS::SecretsManager::Secret` of the templates is created in
 * the emulator under the name its `Ref` resolves to locally. A `GenerateSecretString` secret gets
 * a fresh random value, as CloudFormation generates one at deploy; a secret that already exists
 * is reused as it is.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { TemplateResolver } from './template.ts';

export const SECRET_RESOURCE_TYPE = 'AWS::SecretsManager::Secret';

export interface SecretSpec {
  readonly stackName: string;
  readonly logicalId: string;
  /** What the template's `Ref` resolves to locally; the emulator accepts it as the SecretId. */
  readonly name: string;
  readonly value: string;
  readonly description?: string;
}

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string of `length` letters and digits (what `excludePunctuation` generates). */
const generate = (length: number): string => {
  let value = '';
  while (value.length < length) {
    for (const byte of randomBytes(length)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < 248 && value.length < length) value += LETTERS_AND_DIGITS[byte % 62];
    }
  }
  return value;
};

/** The secrets of the templates, with the values to create them with. */
export const readSecrets = (resolver: TemplateResolver): SecretSpec[] =>
  resolver.stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === SECRET_RESOURCE_TYPE)
      .map(([logicalId, resource]) => {
        const props = resolver.resolve(stackName, resource.Properties ?? {}) as Record<
          string,
          unknown
        >;
        const generated = props.GenerateSecretString as { PasswordLength?: number } | undefined;
        return {
          stackName,
          logicalId,
          name: String(resolver.resolve(stackName, { Ref: logicalId })),
          value:
            typeof props.SecretString === 'string'
              ? props.SecretString
              : generate(Number(generated?.PasswordLength ?? 32)),
          ...(typeof props.Description === 'string' && { description: props.Description }),
        };
      }),
  );

/** Creates each secret that the emulator does not hold yet. */
export const ensureSecrets = async (
  secrets: readonly SecretSpec[],
  config: SecretsManagerClientConfig,
): Promise<void> => {
  if (secrets.length === 0) return;
  const client = new SecretsManagerClient(config);
  try {
    await Promise.all(
      secrets.map(async (secret) => {
        try {
          await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
          await client.send(
            new CreateSecretCommand({
              Name: secret.name,
              SecretString: secret.value,
              ...(secret.description && { Description: secret.description }),
            }),
          );
        }
      }),
    );
  } finally {
    client.destroy();
  }
};
