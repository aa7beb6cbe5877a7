/**
 * What the local dependency stubs (pricing, warehouse) share: reading a JSON body, answering
 * JSON, and the problem shape they answer errors with.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body as JSON (`{}` when empty), or undefined when it is not JSON. */
export const readJson = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

export const problem = (code: string, message: string) => ({
  error: { code, message, details: [] },
});
