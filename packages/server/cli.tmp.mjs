const ctl = new AbortController();
const res = await fetch(process.argv[2], { signal: ctl.signal });
const reader = res.body.getReader();
await reader.read();
ctl.abort();
await reader.read().catch(() => undefined);
await new Promise(r => setTimeout(r, 8000));
