import type { ClassificationRule } from '../types.js';

/** Failures with no HTTP response: the request may or may not have reached the server. */
export const networkRules: ClassificationRule[] = [
  {
    id: 'network/connection-refused',
    match: { source: 'network', systemCode: ['ECONNREFUSED', 'UND_ERR_CONNECT'] },
    classify: { category: 'network', reason: 'connection-refused', remediation: 'The server refused the connection; check that it is running and reachable, then retry.' },
  },
  {
    id: 'network/dns',
    match: { source: 'network', systemCode: ['ENOTFOUND', 'EAI_AGAIN'] },
    classify: { category: 'network', reason: 'dns', remediation: 'The server name could not be resolved; check the endpoint URL and the network connection.' },
  },
  {
    id: 'network/timeout',
    match: (f) => f.source === 'network' && (f.errorName === 'TimeoutError' || ['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(f.systemCode ?? '') || f.extensions?.reason === 'timeout'),
    classify: { category: 'network', reason: 'timeout', remediation: 'The request took too long; retry, and if it keeps timing out, narrow the request or check the server.' },
  },
  {
    id: 'network/aborted',
    match: (f) => f.source === 'network' && (f.errorName === 'AbortError' || f.systemCode === 'ABORT_ERR'),
    classify: { category: 'network', reason: 'aborted', retryable: false, remediation: 'The request was cancelled before it finished; send it again if it is still needed.' },
  },
  {
    id: 'network/connection-reset',
    match: { source: 'network', systemCode: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'] },
    classify: { category: 'network', reason: 'connection-reset', remediation: 'The connection dropped before a response arrived; retry, and check the network if it repeats.' },
  },
  {
    id: 'network/other',
    match: { source: 'network' },
    classify: { category: 'network', reason: 'fetch-failed', remediation: 'No response reached the client; check the network connection, then retry.' },
  },
];
