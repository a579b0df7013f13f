// Count trees: how often each value of a hierarchical feature was seen, level by level
// (country → ASN → network → IP; device type → OS → browser → version). An inner node is
// [count, day last seen, children, number of children], a leaf [count, day last seen]. Every
// sign-in adds to one full path, so a node's count is the sum of its children's, and a node was
// last seen on the latest day of any of its descendants. The number of children is kept so that
// scoring need not count a large level (the prior's networks of a big ISP) on every sign-in.
// Counts are real numbers: they decay with time (history.ts), so "how many" means "how many,
// recent ones weighing more". These helpers mutate: callers copy first (history.ts and prior.ts
// export pure functions).

/** [count, day last seen (days since 1970-01-01 UTC), children, number of children]. */
export type CountNode = [count: number, day: number, children?: CountTree, types?: number];
export type CountTree = { [key: string]: CountNode };

/** Counts below this are dropped: a sign-in decayed to nothing. */
export const NEGLIGIBLE = 0.01;

export const round = (n: number) => Math.round(n * 1000) / 1000;

const size = (tree: CountTree) => {
  let n = 0;
  for (const _ in tree) n++;
  return n;
};

/** Adds `weight` along a path; answers the depth of the first node it had to create, or -1. */
export function addPath(tree: CountTree, path: readonly string[], weight: number, day: number): number {
  let level = tree;
  let parent: CountNode | undefined;
  let created = -1;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    let node = level[key];
    if (!node) {
      node = level[key] = depth < path.length - 1 ? [0, day, {}, 0] : [0, day];
      if (parent) parent[3] = (parent[3] ?? 0) + 1;
      if (created < 0) created = depth;
    }
    node[0] = round(node[0] + weight);
    if (day > node[1]) node[1] = day;
    parent = node;
    if (depth < path.length - 1) level = node[2] ??= {};
  }
  return created;
}

/** Takes up to `weight` off a path (never below zero), dropping nodes that reach nothing. */
export function subtractPath(tree: CountTree, path: readonly string[], weight: number): void {
  const nodes: [CountTree, string, CountNode][] = [];
  let level: CountTree | undefined = tree;
  for (const key of path) {
    const node: CountNode | undefined = level?.[key];
    if (!node) return;
    nodes.push([level!, key, node]);
    level = node[2];
  }
  const taken = Math.min(weight, nodes[nodes.length - 1]![2][0]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const [level, key, node] = nodes[i]!;
    node[0] = round(node[0] - taken);
    if (node[0] < NEGLIGIBLE) {
      delete level[key];
      if (i > 0) nodes[i - 1]![2][3] = size(level);
    }
  }
}

/** Multiplies every count by `factor`, dropping what becomes negligible (and subtrees left empty). */
export function scaleTree(tree: CountTree, factor: number): void {
  for (const key in tree) {
    const node = tree[key]!;
    if (node[2]) {
      scaleTree(node[2], factor);
      // The sum of the rounded children, so that it stays exact.
      let count = 0;
      let types = 0;
      for (const child in node[2]) {
        count += node[2][child]![0];
        types++;
      }
      node[0] = round(count);
      node[3] = types;
    } else node[0] = round(node[0] * factor);
    if (node[0] < NEGLIGIBLE) delete tree[key];
  }
}

/** Removes every node last seen before `minDay`; ancestors lose what their removed descendants counted. */
export function dropOlder(tree: CountTree, minDay: number): number {
  let removed = 0;
  for (const key in tree) {
    const node = tree[key]!;
    if (node[1] < minDay) {
      removed += node[0];
      delete tree[key];
    } else if (node[2]) {
      const below = dropOlder(node[2], minDay);
      if (below === 0) continue;
      node[0] = round(node[0] - below);
      node[3] = size(node[2]);
      removed += below;
      if (node[0] < NEGLIGIBLE || node[3] === 0) {
        removed += node[0];
        delete tree[key];
      }
    }
  }
  return removed;
}

function countAt(tree: CountTree, depth: number): number {
  if (depth === 0) return size(tree);
  let n = 0;
  for (const key in tree) {
    const children = tree[key]![2];
    if (children) n += countAt(children, depth - 1);
  }
  return n;
}

/** Number of nodes at each depth, for bounds checks. */
export function levelSizes(tree: CountTree, depths: number): number[] {
  return Array.from({ length: depths }, (_, d) => countAt(tree, d));
}

/** A deep copy (what structuredClone does, several times faster for these small trees). */
export function copyTree(tree: CountTree): CountTree {
  const out: CountTree = {};
  for (const key in tree) {
    const node = tree[key]!;
    out[key] = node[2] ? [node[0], node[1], copyTree(node[2]), node[3] ?? size(node[2])] : [node[0], node[1]];
  }
  return out;
}

type Chain = [CountTree, string, CountNode][];

function nodesAt(tree: CountTree, depth: number, parents: Chain = [], out: Chain[] = []): Chain[] {
  for (const key in tree) {
    const node = tree[key]!;
    const chain: Chain = [...parents, [tree, key, node]];
    if (depth === 0) out.push(chain);
    else if (node[2]) nodesAt(node[2], depth - 1, chain, out);
  }
  return out;
}

/**
 * Keeps at most `caps[depth]` nodes at each depth: the least recently seen (then the rarest) go
 * first, with their counts taken off their ancestors. Deeper levels are trimmed first, so a
 * trimmed ancestor is never left with children it no longer counts.
 */
export function capTree(tree: CountTree, caps: readonly number[]): void {
  for (let depth = caps.length - 1; depth >= 0; depth--) {
    if (countAt(tree, depth) <= caps[depth]!) continue;
    const all = nodesAt(tree, depth);
    const last = (chain: Chain) => chain[chain.length - 1]![2];
    all.sort((a, b) => last(a)[1] - last(b)[1] || last(a)[0] - last(b)[0]);
    for (const chain of all.slice(0, all.length - caps[depth]!)) {
      const [level, key, node] = chain[chain.length - 1]!;
      if (level[key] !== node) continue;
      delete level[key];
      // Up the chain: each ancestor loses the count; one left without children goes too.
      for (let i = chain.length - 2; i >= 0; i--) {
        const [parentLevel, parentKey, parent] = chain[i]!;
        parent[0] = round(parent[0] - node[0]);
        parent[3] = size(parent[2]!);
        if (parent[0] < NEGLIGIBLE || parent[3] === 0) delete parentLevel[parentKey];
      }
    }
  }
}

export interface LevelStats {
  /** The parent's count (the whole tree's for the first level); 0 when the parent was never seen. */
  parentCount: number;
  /** Distinct values seen under the parent. */
  parentTypes: number;
  /** This value's count under the parent, 0 when never seen. */
  count: number;
  /** This value's node, when seen. */
  node?: CountNode;
}

/** The statistics of every level of `path` in `tree`. */
export function walk(tree: CountTree, path: readonly string[]): LevelStats[] {
  const out: LevelStats[] = [];
  // The first level: the tree's own total and size (a few values: counted here).
  let parentCount = 0;
  let parentTypes = 0;
  for (const key in tree) {
    parentCount += tree[key]![0];
    parentTypes++;
  }
  let level: CountTree | undefined = tree;
  for (const key of path) {
    if (!level) {
      out.push({ parentCount: 0, parentTypes: 0, count: 0 });
      continue;
    }
    const node: CountNode | undefined = level[key];
    out.push(node ? { parentCount, parentTypes, count: node[0], node } : { parentCount, parentTypes, count: 0 });
    level = node?.[2];
    if (node) {
      parentCount = node[0];
      parentTypes = node[3] ?? (node[2] ? size(node[2]) : 0);
    }
  }
  return out;
}
