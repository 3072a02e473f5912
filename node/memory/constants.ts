/** Defaults for the memory module; units are in the names. */

/** Aim for chunks of about this many characters, split at paragraph or sentence ends. */
export const CHUNK_TARGET_CHARS = 1000
/** A chunk is never cut shorter than this unless the text ends. */
export const CHUNK_MIN_CHARS = 400
/** A chunk never grows past this (hard cut when no boundary is found). */
export const CHUNK_MAX_CHARS = 1400
/** Characters repeated from the end of one chunk at the start of the next. */
export const CHUNK_OVERLAP_CHARS = 150

/** Files are read in slices of this size, so a huge file never sits in memory whole. */
export const READ_SLICE_BYTES = 256 * 1024
/** HTML is parsed whole; larger HTML files are skipped with a note. */
export const MAX_HTML_BYTES = 32 * 1024 * 1024
/** A document whose pending writes pass this size is written in several batches under a pending record. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024

/** BM25 term-frequency saturation (Robertson/Zaragoza). */
export const BM25_K1 = 1.2
/** BM25 length normalisation. */
export const BM25_B = 0.75
/** Reciprocal rank fusion constant (Cormack, Clarke, Buettcher 2009). */
export const RRF_K = 60
/** Each retriever contributes this many candidates to the fusion, at least k. */
export const FUSION_CANDIDATES = 50

/** Results returned by `search` unless `k` says otherwise. */
export const SEARCH_K = 5
/** Largest `k` accepted by `search`. */
export const MAX_SEARCH_K = 1000
/** Query terms beyond this many are ignored. */
export const MAX_QUERY_TERMS = 64
/** Tokens longer than this are dropped (hashes, base64 blobs). */
export const MAX_TOKEN_CHARS = 64

/** Texts sent to the embed function per call. */
export const EMBED_BATCH_SIZE = 32
/** Below this many vectors in a collection search is exact; from here on, the ANN index takes over. */
export const ANN_THRESHOLD_VECTORS = 20_000
/** HNSW graph degree for usearch. */
export const ANN_CONNECTIVITY = 16
/** HNSW candidate list size while building: 64 builds 100k x 384 in a third of the time of 128 at the same recall. */
export const ANN_EXPANSION_ADD = 64
/** HNSW candidate list size while searching; recall@10 0.99 at 100k x 384 in the bench (256 buys 0.001 for 3x the time). */
export const ANN_EXPANSION_SEARCH = 128

/** Collection used when none is named. */
export const DEFAULT_COLLECTION = 'default'

/** Share of a conversation's token budget kept for the most recent turns. */
export const RECENT_SHARE = 0.6
/** Share of the budget for the running summary of older turns. */
export const SUMMARY_SHARE = 0.2
/** Earlier turns recalled into the prompt at most. */
export const RECALL_TURNS = 4

/** PDFs are read whole; larger ones are skipped with a note. */
export const MAX_PDF_BYTES = 64 * 1024 * 1024
/** Pages read from one PDF at most; a longer one is skipped with a note. */
export const MAX_PDF_PAGES = 5_000
/** Text taken from one PDF at most. */
export const MAX_PDF_TEXT_CHARS = 32 * 1024 * 1024
/** A PDF whose text takes longer than this to extract is skipped with a note. */
export const PDF_TIMEOUT_MS = 60_000
/** Text handed in by a source (git blob, mail, MCP resource) at most per document. */
export const MAX_SOURCE_TEXT_BYTES = 32 * 1024 * 1024
