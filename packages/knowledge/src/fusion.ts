/** The constant of reciprocal-rank fusion (Cormack et al. 2009): dampens the weight of the top ranks. */
export const RRF_K = 60;

/**
 * Reciprocal-rank fusion: each id scores the sum of 1 / (k + rank) over the lists it appears
 * in (rank from 1). Returns ids best first; ties keep the order of first appearance.
 */
export function reciprocalRankFusion(lists: string[][], k = RRF_K): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1));
    });
  }
  return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
