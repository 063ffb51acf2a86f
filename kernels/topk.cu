/*
 * Per-row top-k of ReLU(pre), optionally restricted to eligible latents (AuxK uses the dead ones):
 *   for each row i: the k largest values of { pre[i,j] : pre[i,j] > 0, mask[j] != 0 (if hasMask) },
 *   written to outIdx/outVal[outOff + i·k ..] in descending order, ties to the lower index, padded
 *   with (index 0, value 0) when the row has fewer than k candidates.
 * pre: rows×width row-major at pre + preOff; mask: width ints; out: rows×k.
 * Dense equivalent: torch.topk(relu(pre) masked, k, sorted=True) with a stable tie order.
 *
 * One work-group per row (grid X = rows). Selection is exact, with no floating-point arithmetic, so
 * every back end returns bit-identical results:
 *   1. radix select on the IEEE bits (positive floats order like their bit patterns): four 8-bit
 *      passes of a local histogram (HSUB copies, see the prelude) find T, the k-th largest candidate,
 *      and how many ties at T to keep;
 *   2. a scan over contiguous per-work-item segments places the selected entries in index order;
 *   3. a rank sort (rank = number of candidates that beat it) writes them in output order.
 * Candidates live in local memory when k <= TOPK_LOCAL_MAX, else in the global scratch sIdx/sVal
 * (rows×k, used only then).
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

#define TOPK_LOCAL_MAX 1024

/* 0: not a candidate or below T; 1: above T (always kept); 2: equal to T (kept in index order). */
DEVICE int topk_class(float v, int eligible, uint T, int takeAll) {
    if (!(v > 0.0f) || !eligible) return 0;
    if (takeAll) return 1;
    uint u = FLOAT_AS_UINT(v);
    return u > T ? 1 : (u == T ? 2 : 0);
}

KERNEL void WG_SIZE(WG, 1) topk_rows(const GLOBAL float* RESTRICT pre, int preOff, const GLOBAL int* RESTRICT mask,
                                      int hasMask, int width, int k, GLOBAL int* RESTRICT outIdx,
                                      GLOBAL float* RESTRICT outVal, int outOff, GLOBAL int* RESTRICT sIdx,
                                      GLOBAL float* RESTRICT sVal) {
    LOCAL int hist[HSUB * 256];
    LOCAL int scanBuf[WG];
    LOCAL int sh[4]; /* prefix bits, ties still needed, candidate total, take-all flag */
    LOCAL float candV[TOPK_LOCAL_MAX];
    LOCAL int candI[TOPK_LOCAL_MAX];
    int lid = LID(0);
    int row = GROUP_ID(0);
    const GLOBAL float* p = pre + preOff + row * width;

    /* ---- 1. radix select: after pass s the top 8(s+1) bits of T are known and `need` is T's rank
     *         among the candidates that share them. */
    uint prefix = 0u, pmask = 0u;
    int need = k, takeAll = 0, total = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        hist_clear(hist, lid);
        BARRIER();
        LPTR int* mine = hist + (lid & (HSUB - 1)) * 256;
        for (int j = lid; j < width; j += WG) {
            float v = p[j];
            if (v > 0.0f && (!hasMask || mask[j] != 0)) {
                uint u = FLOAT_AS_UINT(v);
                if ((u & pmask) == prefix) ATOMIC_ADD_INT(&mine[(u >> shift) & 255u], 1);
            }
        }
        BARRIER();
        hist_fold(hist, lid);
        if (lid == 0) {
            if (shift == 24) {
                int t = 0;
                for (int b = 0; b < 256; b++) t += hist[b];
                sh[2] = t;
                sh[3] = t <= k ? 1 : 0;
            }
            if (!sh[3]) {
                int above = 0, b = 255;
                while (above + hist[b] < need) above += hist[b--];
                sh[0] = (int) (prefix | ((uint) b << shift));
                sh[1] = need - above;
            }
        }
        BARRIER();
        total = sh[2];
        takeAll = sh[3];
        if (takeAll) break; /* uniform: every work-item read the same flag */
        prefix = (uint) sh[0];
        need = sh[1];
        pmask |= 255u << shift;
    }
    if (takeAll) need = 0;
    int m = takeAll ? total : k;

    /* ---- 2. selected entries in index order: position = (#above T before) + min(#ties before, need) */
    int seg = (width + WG - 1) / WG;
    int j0 = IMIN(lid * seg, width), j1 = IMIN(j0 + seg, width);
    int nAbove = 0, nTie = 0;
    for (int j = j0; j < j1; j++) {
        int c = topk_class(p[j], !hasMask || mask[j] != 0, prefix, takeAll);
        nAbove += c == 1;
        nTie += c == 2;
    }
    int sumAbove, sumTie;
    int aBefore = wg_scan_excl(nAbove, scanBuf, lid, &sumAbove);
    int tBefore = wg_scan_excl(nTie, scanBuf, lid, &sumTie);
    int useLocal = k <= TOPK_LOCAL_MAX;
    int sOff = row * k;
    for (int j = j0; j < j1; j++) {
        float v = p[j];
        int c = topk_class(v, !hasMask || mask[j] != 0, prefix, takeAll);
        int pos = -1;
        if (c == 1) {
            pos = aBefore + IMIN(tBefore, need);
            aBefore++;
        } else if (c == 2) {
            if (tBefore < need) pos = aBefore + tBefore;
            tBefore++;
        }
        if (pos >= 0) {
            if (useLocal) {
                candV[pos] = v;
                candI[pos] = j;
            } else {
                sVal[sOff + pos] = v;
                sIdx[sOff + pos] = j;
            }
        }
    }
    BARRIER();

    /* ---- 3. rank sort: candidates are in index order, so "equal value, lower index" is "f < e". */
    GLOBAL int* oI = outIdx + outOff + row * k;
    GLOBAL float* oV = outVal + outOff + row * k;
    if (useLocal) {
        for (int e = lid; e < m; e += WG) {
            float ve = candV[e];
            int rank = 0;
            for (int f = 0; f < m; f++) {
                float vf = candV[f];
                rank += (vf > ve) || (vf == ve && f < e);
            }
            oI[rank] = candI[e];
            oV[rank] = ve;
        }
    } else {
        for (int e = lid; e < m; e += WG) {
            float ve = sVal[sOff + e];
            int rank = 0;
            for (int f = 0; f < m; f++) {
                float vf = sVal[sOff + f];
                rank += (vf > ve) || (vf == ve && f < e);
            }
            oI[rank] = sIdx[sOff + e];
            oV[rank] = ve;
        }
    }
    for (int e = m + lid; e < k; e += WG) {
        oI[e] = 0;
        oV[e] = 0.0f;
    }
}
