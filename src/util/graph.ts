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
  const inCycle = new Set(cycles.flat());
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const [node, deps] of graph) {
    const known = deps.filter((dep) => graph.has(dep));
    waiting.set(node, known.length);
    for (const dep of known) {
      const list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, [node]);
      else list.push(node);
    }
  }

  // Everything downstream of a cycle is blocked, naming the dependency that blocks it.
  const blocked = new Map<string, string>();
  const spread = [...inCycle];
  while (spread.length > 0) {
    const node = spread.pop() as string;
    for (const dependent of dependents.get(node) ?? []) {
      if (inCycle.has(dependent) || blocked.has(dependent)) continue;
      blocked.set(dependent, node);
      spread.push(dependent);
    }
  }

  // Kahn's algorithm, one wave at a time.
  const waves: string[][] = [];
  let wave = [...graph.keys()].filter((node) => waiting.get(node) === 0 && !inCycle.has(node) && !blocked.has(node));
  while (wave.length > 0) {
    waves.push(wave);
    const next: string[] = [];
    for (const node of wave) {
      for (const dependent of dependents.get(node) ?? []) {
        const left = (waiting.get(dependent) as number) - 1;
        waiting.set(dependent, left);
        if (left === 0 && !blocked.has(dependent) && !inCycle.has(dependent)) next.push(dependent);
      }
    }
    wave = next;
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
