import { IncomingMessage } from 'node:http';

import { MAX_BODY_BYTES } from './local-zone.constants.js';

/** A form body: repeated fields become arrays. */
export type FormFields = Record<string, string | string[]>;

/** The request body is larger than LocalZone reads. */
export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body (bounded). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

export function isFormRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'] ?? '';
  return type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export function parseForm(body: Buffer): FormFields {
  const fields: FormFields = {};
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else fields[name] = [existing, value];
  }
  return fields;
}

export function encodeForm(fields: FormFields): Buffer {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return Buffer.from(params.toString());
}

/** All values of a form field. */
export function fieldValues(fields: FormFields, name: string): string[] {
  const value = fields[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/** The single value of a form field (the first one when repeated). */
export function fieldValue(fields: FormFields, name: string): string | undefined {
  return fieldValues(fields, name)[0];
}

/**
 * A stand-in for a request whose body LocalZone already read: same method, URL, headers
 * and socket, and a readable body (possibly rewritten) for oidc-provider to parse.
 */
export function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket);
  replay.method = original.method;
  replay.url = original.url;
  replay.httpVersion = original.httpVersion;
  replay.httpVersionMajor = original.httpVersionMajor;
  replay.httpVersionMinor = original.httpVersionMinor;
  const headers = { ...original.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  replay.headers = headers;
  replay.rawHeaders = Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value ?? '']).flatMap((v) => [name, v]),
  );
  // The body is complete: without this, destroying the replay would abort (and destroy)
  // the shared socket.
  replay.complete = true;
  replay.push(body);
  replay.push(null);
  return replay;
}
