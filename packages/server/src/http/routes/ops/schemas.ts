import Type from 'typebox';
import { operations } from '../../openapiResponses.js';

const tags = ['ops'];
/** Probes and metrics are for operators and load balancers: no session needed. */
const open = { tags, security: [] };

/** The operator routes as the API document describes them. */
export const opsSchemas = operations({
  getHealth: {
    ...open,
    summary: 'Liveness',
    description: 'Answers while the process runs; checks nothing else.',
    response: { 200: Type.Object({ status: Type.Literal('ok') }) },
  },
  getReadiness: {
    ...open,
    summary: 'Readiness',
    description: 'Whether this node can serve: the database (and Redis when configured) answer. 503 NOT_READY names the failing checks; also 503 while shutting down.',
    response: { 200: Type.Object({ status: Type.Literal('ready'), checks: Type.Record(Type.String(), Type.Literal('ok')) }) },
    errorStatuses: [503],
  },
  getMetrics: {
    ...open,
    summary: 'Prometheus metrics',
    description: 'The process, HTTP and gateway metrics in the Prometheus text format.',
    response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
});
