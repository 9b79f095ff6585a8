/** A dependency graph: each node lists the nodes it depends on (all must be keys). */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

export interface StartPlan {
  /** Waves in start order: every node in a wave depends only on nodes in earlier waves. */
  readonly waves: readonly (readonly string[])[];
  /** Each dependency cycle, as the list of its members in a stable order. */
  readonly cycles: readonly (readonly string[])[];
  /** Nodes that are not in a cycle but depend, directly or not, on one. */
  readonly blocked: ReadonlyMap<string, string>;
}

/** Orders nodes so that dependencies come first; names the cycles instead of failing on them. */
export function planStartOrder(graph: DependencyGraph): StartPlan {
  const cycles = findCycles(graph);
  const inCycle = new Map<string, readonly string[]>();
  for (const cycle of cycles) for (const node of cycle) inCycle.set(node, cycle);

  const waves: string[][] = [];
  const blocked = new Map<string, string>();
  const placed = new Set<string>();
  let pending = [...graph.keys()].filter((node) => !inCycle.has(node));
  while (pending.length > 0) {
    const wave: string[] = [];
    const rest: string[] = [];
    for (const node of pending) {
      const deps = graph.get(node) ?? [];
      const cyclic = deps.find((dep) => inCycle.has(dep) || blocked.has(dep));
      if (cyclic !== undefined) blocked.set(node, cyclic);
      else if (deps.every((dep) => placed.has(dep))) wave.push(node);
      else rest.push(node);
    }
    if (wave.length === 0) {
      // Everything left waits on a blocked node; the loop above only marks direct ones.
      for (const node of rest) blocked.set(node, (graph.get(node) ?? []).find((dep) => !placed.has(dep)) ?? node);
      break;
    }
    for (const node of wave) placed.add(node);
    waves.push(wave);
    pending = rest;
  }
  return { waves, cycles, blocked };
}

// Tarjan's strongly connected components; a component of two or more nodes, or a node that
// depends on itself, is a cycle.
function findCycles(graph: DependencyGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const dep of graph.get(node) ?? []) {
      if (!graph.has(dep)) continue;
      if (!index.has(dep)) {
        visit(dep);
        low.set(node, Math.min(low.get(node) as number, low.get(dep) as number));
      } else if (onStack.has(dep)) {
        low.set(node, Math.min(low.get(node) as number, index.get(dep) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };

  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}
