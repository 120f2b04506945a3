/** MCP base URL the benchmark app is configured with; tokens are minted for `${it}mcp`. */
export const BENCH_MCP_BASE_URL = 'http://localhost:8000/';
/** The protected resource (the `aud` of the inbound tokens). */
export const BENCH_MCP_RESOURCE = 'http://localhost:8000/mcp';
/** Downstream resources of the `@Grant` routes. */
export const BENCH_RESOURCES: readonly string[] = Object.freeze([1, 2, 3, 4, 5].map((n) => `https://api-${n}.bench.example`));
