// A small seeded PRNG (mulberry32) so that --seed N reproduces the generated
// requests and their order. Math.random is never used where results matter.

export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive an independent stream for a named part, so adding one part never shifts another's draws. */
export function forkRng(seed: number, label: string): Rng {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return createRng(h);
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
