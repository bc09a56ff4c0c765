// The HTTP edge of the test API server: request bodies (with the real apiserver's 3 MiB limit), the
// user a bearer token names, and the field manager a write without one gets.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { UserInfo } from './test-api-admission.ts';
import { ApiError, badRequest, statusBody } from './test-api-status.ts';

/** The real apiserver's request body limit (3 MiB), so oversized writes fail here as there. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The user of a request: whom its bearer token names in `users`, else a user of that name; no token: anonymous. */
export function userOf(req: IncomingMessage, users: ReadonlyMap<string, UserInfo>): UserInfo {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined) return { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  return users.get(token) ?? { username: token, groups: ['system:authenticated'] };
}

/** The field manager of a write that names none: the User-Agent up to its first '/', as the apiserver derives it. */
export function managerOf(userAgent: string): string {
  return (userAgent.split('/')[0] ?? '').slice(0, 128) || 'unknown';
}

/** JSON, or YAML for apply patches (JSON is YAML too, which is how client-node sends them). */
export async function readBody(req: IncomingMessage, yaml: boolean): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(statusBody(413, 'RequestEntityTooLarge', 'the request body is too large'));
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return yaml ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw badRequest(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
