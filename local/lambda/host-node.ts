/**
 * Local functions run as worker threads of the Node.js that runs the local cloud, not on the Node.js
 * of their declared Lambda runtime. When the majors differ, the start-up report says so once.
 */

/** The Node.js major a Lambda runtime identifier declares (`nodejs24.x` → 24); undefined for other runtimes. */
export function runtimeNodeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/**
 * One warning covering every function whose runtime's Node.js major differs from the host's,
 * or undefined when they all match (or declare no Node.js runtime).
 */
export function hostNodeMismatch(
  runtimes: Iterable<string>,
  hostVersion: string = process.versions.node,
): string | undefined {
  const hostMajor = Number(hostVersion.split('.')[0]);
  const counts = new Map<string, number>();
  for (const runtime of runtimes) {
    const major = runtimeNodeMajor(runtime);
    if (major !== undefined && major !== hostMajor) counts.set(runtime, (counts.get(runtime) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  const sorted = [...counts].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const declared = sorted
    .map(([runtime, n]) => `${runtime} (${n} ${n === 1 ? 'function' : 'functions'})`)
    .join(', ');
  const wanted = sorted.map(([runtime]) => runtimeNodeMajor(runtime)).join(' or ');
  return (
    `functions declare ${declared} but run as worker threads of this Node.js ${hostVersion}: ` +
    `behaviour that differs between Node.js majors is not exercised locally. ` +
    `Start the local cloud with Node.js ${wanted} to match Lambda.`
  );
}
