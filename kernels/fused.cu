/*
 * Fused TopK encoder: the encoder product of gemm.cu and the per-row top-k of ReLU(pre) in one pass, so the
 * n×D pre-activations are not stored and read back for the selection (with writePre they are stored once,
 * for AuxK).
 *
 * encode_topk: group (rt, s) of the grid X = ceil(rows / 64) row tiles, Y = splits (16×16 work-items) computes,
 *   for the 64 rows of row tile rt, the 64×64 product tiles of the latent tiles [t0, t1) of split s in increasing
 *   order (gemm_tile, as encode_gemm does) and keeps for each row an exact running top-k of the latents seen so
 *   far, as a list in global scratch (L2-resident; only candidates go there):
 *     - a value enters when v > τ_row, where τ_row = 0 until the list is first cut to k entries and then the
 *       smallest kept value: the latents arrive in increasing index order, so a later equal value loses the tie;
 *     - when a row's list holds more than k entries it is cut to its k best (a rank sort: rank = number of entries
 *       that beat it, i.e. a larger value or an equal value with a lower index) into the other half of its
 *       double buffer. At most 64 values enter per tile, so k + 64 slots per half suffice.
 *   At the end each (row, split) list is sorted best-first and cut to k; listMeta[2(row·splits + s)] holds its
 *   length and [+1] the half that holds it. With writePre the tiles are also stored to pre + preOff.
 * topk_merge: one group per row merges the splits' sorted lists: an entry's final rank is its position in its own
 *   list plus, for every other list, the number of entries there that beat it (binary search). Entries of rank < k
 *   go to outIdx/outVal[outOff + row·k + rank]; slots past the number of positive values get (0, 0). Latents are
 *   distinct, so "beats" is a strict total order and the ranks are a permutation.
 * Selection is the rule of topk_rows (k largest positive values, descending, ties to the lower index, padding
 * (0, 0)) applied to the values the tiles compute; no floating-point arithmetic is involved in it.
 * Dense equivalent: torch.topk(relu((x − b_dec) @ W_enc + b_enc), k) with a stable tie order.
 * Host limits: k ≤ 128 (larger k uses encode_gemm + topk_rows), splits ≤ FUSED_SPLITS_MAX, scratch lists of
 * 2·(k + 64) entries per (row, split).
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

#define FUSED_SPLITS_MAX 64

/* Larger value, or equal value and lower index: the order of every top-k output. */
DEVICE int beats(float vf, int jf, float ve, int je) {
    return vf > ve || (vf == ve && jf < je);
}

/*
 * Writes the min(m, k) best entries of the list at src (m entries, any order) to dst in rank order. The four
 * work-items q = 0..3 of a row share the work (entries q, q + 4, ...).
 */
DEVICE void list_cut(GLOBAL int* RESTRICT idxs, GLOBAL float* RESTRICT vals, int src, int dst, int m, int k, int q) {
    for (int e = q; e < m; e += 4) {
        float ve = vals[src + e];
        int je = idxs[src + e];
        int rank = 0;
        for (int f = 0; f < m; f++) rank += beats(vals[src + f], idxs[src + f], ve, je);
        if (rank < k) {
            vals[dst + rank] = ve;
            idxs[dst + rank] = je;
        }
    }
}

KERNEL void WG_SIZE(16, 16) encode_topk(const GLOBAL float* RESTRICT x, int xOff, const GLOBAL float* RESTRICT bDec,
                                         const GLOBAL float* RESTRICT enc, const GLOBAL float* RESTRICT bEnc, int n,
                                         int d, int width, int k, int splits, GLOBAL float* RESTRICT pre, int preOff,
                                         int writePre, GLOBAL int* RESTRICT listIdx, GLOBAL float* RESTRICT listVal,
                                         GLOBAL int* RESTRICT listMeta) {
    /* the operand tiles and the finished 64×64 tile share one array (they are never live together) */
    LOCAL float smem[GEMM_BM * GEMM_LD];
    LOCAL int lcnt[GEMM_BM];
    LOCAL float ltau[GEMM_BM];
    LOCAL int lpar[GEMM_BM];
    LPTR float* As = smem;
    LPTR float* Bs = smem + GEMM_BK * GEMM_LD;
    int tx = LID(0), ty = LID(1), lid = ty * 16 + tx;
    int row0 = GROUP_ID(0) * GEMM_BM, s = GROUP_ID(1);
    int tiles = (width + GEMM_BN - 1) / GEMM_BN;
    int t0 = tiles * s / splits, t1 = tiles * (s + 1) / splits;
    int cap = k + GEMM_BN;
    /* append and cut phases: four work-items per row */
    int lr = lid >> 2, q = lid & 3;
    int row = row0 + lr;
    int base = (row * splits + s) * 2 * cap;
    if (lid < GEMM_BM) {
        lcnt[lid] = 0;
        ltau[lid] = 0.0f;
        lpar[lid] = 0;
    }
    float acc[4][4];
    for (int t = t0; t < t1; t++) {
        int col0 = t * GEMM_BN;
        gemm_tile(x, xOff, bDec, enc, n, d, width, row0, col0, As, Bs, acc); /* ends with a barrier */
        if (writePre) gemm_store(acc, bEnc, n, width, row0, col0, pre, preOff);
        for (int i = 0; i < 4; i++) {
            int r = ty + 16 * i;
            for (int j = 0; j < 4; j++) {
                int c = tx + 16 * j;
                /* 0 is never a candidate: rows and latents past the edge drop out */
                smem[r * GEMM_LD + c] = row0 + r < n && col0 + c < width ? acc[i][j] + bEnc[col0 + c] : 0.0f;
            }
        }
        BARRIER();
        if (row < n) {
            float tau = ltau[lr];
            int list = base + lpar[lr] * cap;
            for (int c = q * 16; c < q * 16 + 16; c++) {
                float v = smem[lr * GEMM_LD + c];
                if (v > tau) {
                    int pos = ATOMIC_ADD_INT(&lcnt[lr], 1);
                    listVal[list + pos] = v;
                    listIdx[list + pos] = col0 + c;
                }
            }
        }
        BARRIER();
        int m = lcnt[lr], par = lpar[lr];
        int cut = row < n && m > k;
        if (cut) list_cut(listIdx, listVal, base + par * cap, base + (1 - par) * cap, m, k, q);
        BARRIER();
        if (cut && q == 0) {
            lcnt[lr] = k;
            lpar[lr] = 1 - par;
            ltau[lr] = listVal[base + (1 - par) * cap + k - 1];
        }
        /* the next gemm_tile's barriers order these updates before the next append */
    }
    BARRIER();
    int m = lcnt[lr], par = lpar[lr];
    if (row < n && m > 0) list_cut(listIdx, listVal, base + par * cap, base + (1 - par) * cap, m, k, q);
    if (row < n && q == 0) {
        int meta = 2 * (row * splits + s);
        listMeta[meta] = IMIN(m, k);
        listMeta[meta + 1] = m > 0 ? 1 - par : par;
    }
}

KERNEL void WG_SIZE(WG, 1) topk_merge(const GLOBAL int* RESTRICT listIdx, const GLOBAL float* RESTRICT listVal,
                                       const GLOBAL int* RESTRICT listMeta, int splits, int k,
                                       GLOBAL int* RESTRICT outIdx, GLOBAL float* RESTRICT outVal, int outOff) {
    LOCAL int start[FUSED_SPLITS_MAX + 1];
    LOCAL int at[FUSED_SPLITS_MAX];
    int lid = LID(0), row = GROUP_ID(0);
    int cap = k + GEMM_BN;
    if (lid < splits) {
        int meta = 2 * (row * splits + lid);
        at[lid] = (row * splits + lid) * 2 * cap + listMeta[meta + 1] * cap;
    }
    if (lid == 0) {
        int sum = 0;
        for (int u = 0; u < splits; u++) {
            start[u] = sum;
            sum += listMeta[2 * (row * splits + u)];
        }
        start[splits] = sum;
    }
    BARRIER();
    int total = start[splits];
    GLOBAL int* oI = outIdx + outOff + row * k;
    GLOBAL float* oV = outVal + outOff + row * k;
    for (int e = lid; e < total; e += WG) {
        int s = 0;
        while (start[s + 1] <= e) s++;
        int p = e - start[s];
        float v = listVal[at[s] + p];
        int j = listIdx[at[s] + p];
        int rank = p;
        for (int u = 0; u < splits; u++) {
            if (u == s) continue;
            int lo = 0, hi = start[u + 1] - start[u], o = at[u];
            while (lo < hi) {
                int mid = (lo + hi) >> 1;
                if (beats(listVal[o + mid], listIdx[o + mid], v, j)) lo = mid + 1;
                else hi = mid;
            }
            rank += lo;
        }
        if (rank < k) {
            oI[rank] = j;
            oV[rank] = v;
        }
    }
    for (int e = total + lid; e < k; e += WG) {
        oI[e] = 0;
        oV[e] = 0.0f;
    }
}
