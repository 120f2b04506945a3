/**
 * Public URL of the replicas in `npm run bench:replicas`: not a loopback URL, as behind a real
 * load balancer (so no replica warns that its own port differs from it). Tokens are minted for
 * `${it}mcp`.
 */
export const REPLICAS_BENCH_BASE_URL = 'https://replicas.bench.example/';
export const REPLICAS_BENCH_RESOURCE = `${REPLICAS_BENCH_BASE_URL}mcp`;
