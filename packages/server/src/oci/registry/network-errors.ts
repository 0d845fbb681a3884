/** Classifying the errors of registry HTTP requests: which are worth a retry, and a one-line summary for users. */

/** The codes of the transport's own timeouts (no progress for the configured time). */
export const NETWORK_TIMEOUT = {
  connect: 'KILN_CONNECT_TIMEOUT',
  headers: 'KILN_HEADERS_TIMEOUT',
  body: 'KILN_BODY_TIMEOUT',
} as const;

const RETRYABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE', NETWORK_TIMEOUT.connect, NETWORK_TIMEOUT.headers, NETWORK_TIMEOUT.body,
]);
const TLS_TRUST = /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT)/;

/** The innermost error with a `code`, following `cause` and AggregateError members. */
function rootCause(err: unknown): { code?: string; message: string } {
  let e: unknown = err;
  let best: { code?: string; message: string } = { message: err instanceof Error ? err.message : String(err) };
  for (let depth = 0; depth < 8 && e && typeof e === 'object'; depth++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof o.code === 'string') best = { code: o.code, message: String(o.message ?? '') };
    e = o.cause ?? (Array.isArray(o.errors) ? o.errors[0] : undefined);
  }
  return best;
}

/** Whether a network error is transient (a retry may succeed). */
export function isRetryableNetworkError(err: unknown): boolean {
  const { code, message } = rootCause(err);
  if (code) return RETRYABLE.has(code);
  return /terminated|other side closed|socket hang up/i.test(message);
}

/** A short, secret-free description of a network error, with a hint where one helps. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const { code, message } = rootCause(err);
  const secs = `${Math.round(timeoutMs / 100) / 10} s`;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'the host name could not be resolved (DNS lookup failed)';
    case 'ECONNRESET': case 'EPIPE': case 'ERR_STREAM_PREMATURE_CLOSE': return 'the connection was dropped';
    case NETWORK_TIMEOUT.headers: return `no response within ${secs}`;
    case NETWORK_TIMEOUT.body: return `the transfer stalled for more than ${secs}`;
    case NETWORK_TIMEOUT.connect: case 'ETIMEDOUT': return `connecting took longer than ${secs}`;
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no network route to the host';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'its TLS certificate does not name this host';
    case 'ERR_SSL_WRONG_VERSION_NUMBER': case 'EPROTO': case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return 'the TLS handshake failed (if the registry speaks plain HTTP, list it in KILN_INSECURE_REGISTRIES)';
    default:
      if (code && TLS_TRUST.test(code)) {
        return `its TLS certificate is not trusted (${code}); add its CA certificate with KILN_REGISTRY_CA_FILES`;
      }
      if (/terminated|other side closed|socket hang up/i.test(message)) return 'the connection was dropped';
      return [code, message].filter(Boolean).join(': ').slice(0, 200) || 'unknown network error';
  }
}
