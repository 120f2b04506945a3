const MAX_TEXT_LENGTH = 1000;

/**
 * The secret values of a token-endpoint request: the subject token and whatever client
 * authentication the credential added (Authorization header, client_secret, client_assertion).
 */
export function secretsOf(subjectToken: string, headers: Headers, body: URLSearchParams): string[] {
  const secrets = [subjectToken];
  for (const field of ['client_secret', 'client_assertion']) {
    const value = body.get(field);
    if (value) {
      secrets.push(value);
    }
  }
  const authorization = headers.get('authorization');
  if (authorization) {
    secrets.push(authorization);
    const [scheme, credentials] = authorization.split(/\s+/, 2);
    if (credentials) {
      secrets.push(credentials);
      if (scheme?.toLowerCase() === 'basic') {
        const decoded = Buffer.from(credentials, 'base64').toString('utf8');
        const password = decoded.slice(decoded.indexOf(':') + 1);
        secrets.push(password, safeDecode(password));
      }
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
}

/**
 * Makes text from the authorization server safe to put in an error message or a log line:
 * secrets replaced by `[redacted]`, control characters (forged log lines) replaced by
 * spaces, length capped.
 */
export function sanitize(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    result = result.split(secret).join('[redacted]');
  }
  // eslint-disable-next-line no-control-regex
  result = result.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return result.length > MAX_TEXT_LENGTH ? `${result.slice(0, MAX_TEXT_LENGTH)}…` : result;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // Malformed percent-encoding: the raw value (already listed) is what could leak.
    return value;
  }
}
