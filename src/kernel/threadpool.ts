// libuv's thread pool, sized before its first use (libuv reads UV_THREADPOOL_SIZE then, once):
// blocking.ts lets file-system calls that may never return hold at most half of it, so that DNS
// lookups and the rest of the process keep the other half. Imported first by main.ts. A value
// the operator set is kept.

import { POOL_THREADS } from "./blocking.ts"

process.env.UV_THREADPOOL_SIZE ??= String(POOL_THREADS)
