/**
 * Reads a V8 CPU profile (`.cpuprofile`, as `node --cpu-prof` or the inspector writes it) and
 * says where the time went: self time per function, and per owner (a project file, an npm
 * package, a Node.js internal module, idle).
 */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileShare {
  readonly name: string;
  readonly ms: number;
  /** Share of the profile's non-idle time. */
  readonly percent: number;
}

/** Who owns a frame: `(idle)`, `node:http`, an npm package name, or a project file. */
export const ownerOf = (url: string, functionName: string): string => {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const project = /\/(functions|local|ops|cdk|dashboards|slos|bench)\/.+$/.exec(url);
  return project ? project[0].slice(1) : url.replace(/^file:\/\//, '');
};

const IDLE = new Set(['(idle)', '(program)']);

/** Self time by function and by owner, heaviest first, idle and program time left out. */
export const profileShares = (
  profile: CpuProfile,
): { functions: ProfileShare[]; owners: ProfileShare[]; busyMs: number; totalMs: number } => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, index) => {
    // timeDeltas[i] is the time before sample i; attribute the next delta to this sample.
    const ms = (deltas[index + 1] ?? deltas[index] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
  });
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  let busyMs = 0;
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const owner = ownerOf(url, functionName);
    if (IDLE.has(owner)) continue;
    busyMs += ms;
    const label = `${functionName || '(anonymous)'} ${owner}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(label, (functions.get(label) ?? 0) + ms);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>): ProfileShare[] =>
    [...map]
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        percent: busyMs > 0 ? Math.round((ms / busyMs) * 1000) / 10 : 0,
      }))
      .sort((a, b) => b.ms - a.ms);
  return { functions: sorted(functions), owners: sorted(owners), busyMs, totalMs };
};

/** Lines for a report: busy share, then the top owners and the top functions by self time. */
export const summariseProfile = (profile: CpuProfile, top = 12): string[] => {
  const { functions, owners, busyMs, totalMs } = profileShares(profile);
  return [
    `busy ${Math.round(busyMs)} ms of ${Math.round(totalMs)} ms profiled (${totalMs > 0 ? Math.round((busyMs / totalMs) * 100) : 0} %); self time by owner:`,
    ...owners
      .slice(0, top)
      .map((share) => `  ${share.percent.toFixed(1).padStart(5)} %  ${share.name}`),
    'heaviest functions (self time):',
    ...functions
      .slice(0, top)
      .map((share) => `  ${share.percent.toFixed(1).padStart(5)} %  ${share.name}`),
  ];
};
