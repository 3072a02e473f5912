/**
 * Okapi BM25 (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
 * BM25 and Beyond", 2009) with the non-negative idf that Lucene uses:
 *
 *   idf(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   score(t, d) = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
 */
import { BM25_B, BM25_K1 } from './constants.ts'
import { termFrequencies, tokenize } from './tokenize.ts'

export interface Bm25Params { k1?: number, b?: number }

export function idf (docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5))
}

export function termScore (tf: number, docLength: number, avgDocLength: number, termIdf: number, params: Bm25Params = {}): number {
  const k1 = params.k1 ?? BM25_K1
  const b = params.b ?? BM25_B
  const norm = avgDocLength > 0 ? docLength / avgDocLength : 1
  return termIdf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * norm))
}

/** Unique query terms, in first-seen order. */
export function queryTerms (query: string, max: number): string[] {
  return [...new Set(tokenize(query))].slice(0, max)
}

/**
 * Ranks a small in-memory set of texts (conversation turns, summaries).
 * Returns indexes into `texts` with positive scores, best first.
 */
export function rankTexts (texts: string[], query: string, params: Bm25Params = {}): Array<{ index: number, score: number }> {
  const terms = queryTerms(query, 64)
  if (terms.length === 0 || texts.length === 0) return []
  const docs = texts.map(t => termFrequencies(t))
  const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length
  const idfs = terms.map(t => idf(docs.length, docs.filter(d => d.tf.has(t)).length))
  const out: Array<{ index: number, score: number }> = []
  docs.forEach((d, index) => {
    let score = 0
    terms.forEach((t, i) => {
      const tf = d.tf.get(t)
      if (tf != null) score += termScore(tf, d.length, avg, idfs[i] as number, params)
    })
    if (score > 0) out.push({ index, score })
  })
  return out.sort((a, b) => b.score - a.score || a.index - b.index)
}
