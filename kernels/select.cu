/*
 * Thresholded codes (BatchTopK training, JumpReLU / BatchTopK inference) and the scan they need.
 *
 * radix_hist: one pass of the exact BatchTopK threshold search over a[0..count):
 *   hist[b] += #{ e : a[e] > 0, (bits(a[e]) & pmask) == prefix, (bits(a[e]) >> shift) & 255 == b }
 *   and, on the first pass (shift 24), minBits = min over positive a[e] of bits(a[e]).
 *   The host walks the 256 bins from the top between passes (4 passes of 8 bits: the keep-th largest
 *   positive value exactly, like RadixSelect on the CPU). Grid-stride over a; any number of groups.
 *   Dense equivalent: torch.kthvalue over the positive entries.
 * count_rows:  counts[i] = #{ j : pre[i,j] > 0 and pre[i,j] >= t (or > t if strict) }, counts[n] = 0,
 *   one group per row; an exclusive scan of counts[0..n] then gives the CSR rowPtr.
 * gather_rows: writes those entries of row i to idx/val[rowPtr[i] ..] in increasing j.
 *   Dense equivalent: z = pre * (pre > t) * (pre > 0), converted to CSR.
 * scan_block / scan_add: in-place exclusive prefix sum of data[0..len) in blocks of 4·WG ints:
 *   scan_block scans each block and leaves its total in sums[g]; the host scans sums (recursively)
 *   and scan_add adds block g's offset. Dense equivalent: cumsum(data) − data.
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

KERNEL void WG_SIZE(WG, 1) radix_hist(const GLOBAL float* RESTRICT a, int count, int prefix, int pmask, int shift,
                                       GLOBAL int* RESTRICT hist, GLOBAL int* RESTRICT minBits) {
    /* per-group histogram first: one global atomic per bin and group instead of one per element */
    LOCAL int lh[HSUB * 256];
    LOCAL int lmin;
    int lid = LID(0);
    hist_clear(lh, lid);
    if (lid == 0) lmin = 0x7fffffff;
    BARRIER();
    LPTR int* mine = lh + (lid & (HSUB - 1)) * 256;
    uint up = (uint) prefix, um = (uint) pmask;
    /* the minimum is a private running value first: one local atomic per work-item, not per element */
    int myMin = 0x7fffffff;
    GRID_LOOP(e, count) {
        float v = a[e];
        if (v > 0.0f) {
            uint u = FLOAT_AS_UINT(v);
            if ((u & um) == up) ATOMIC_ADD_INT(&mine[(u >> shift) & 255u], 1);
            myMin = IMIN(myMin, (int) u);
        }
    }
    if (shift == 24 && myMin != 0x7fffffff) ATOMIC_MIN_INT(&lmin, myMin);
    BARRIER();
    hist_fold(lh, lid);
    if (lh[lid] != 0) ATOMIC_ADD_INT(&hist[lid], lh[lid]);
    if (lid == 0 && shift == 24 && lmin != 0x7fffffff) ATOMIC_MIN_INT(minBits, lmin);
}

DEVICE int above_threshold(float v, float t, int strict) {
    return v > 0.0f && (strict ? v > t : v >= t);
}

KERNEL void WG_SIZE(WG, 1) count_rows(const GLOBAL float* RESTRICT pre, int n, int width, float t, int strict,
                                       GLOBAL int* RESTRICT counts) {
    LOCAL int buf[WG];
    int lid = LID(0), row = GROUP_ID(0);
    const GLOBAL float* p = pre + row * width;
    int c = 0;
    for (int j = lid; j < width; j += WG) c += above_threshold(p[j], t, strict);
    int total;
    wg_scan_excl(c, buf, lid, &total);
    if (lid == 0) {
        counts[row] = total;
        if (row == 0) counts[n] = 0;
    }
}

KERNEL void WG_SIZE(WG, 1) gather_rows(const GLOBAL float* RESTRICT pre, int width, float t, int strict,
                                        const GLOBAL int* RESTRICT rowPtr, GLOBAL int* RESTRICT idx,
                                        GLOBAL float* RESTRICT val) {
    /* contiguous segments per work-item: one scan per row keeps the output in increasing j */
    LOCAL int buf[WG];
    int lid = LID(0), row = GROUP_ID(0);
    const GLOBAL float* p = pre + row * width;
    int seg = (width + WG - 1) / WG;
    int j0 = IMIN(lid * seg, width), j1 = IMIN(j0 + seg, width);
    int c = 0;
    for (int j = j0; j < j1; j++) c += above_threshold(p[j], t, strict);
    int total;
    int w = rowPtr[row] + wg_scan_excl(c, buf, lid, &total);
    for (int j = j0; j < j1; j++) {
        float v = p[j];
        if (above_threshold(v, t, strict)) {
            idx[w] = j;
            val[w] = v;
            w++;
        }
    }
}

KERNEL void WG_SIZE(WG, 1) scan_block(GLOBAL int* RESTRICT data, int len, GLOBAL int* RESTRICT sums) {
    LOCAL int buf[WG];
    int lid = LID(0), g = GROUP_ID(0);
    int base = g * (4 * WG) + lid * 4;
    int v[4];
    int s = 0;
    for (int q = 0; q < 4; q++) {
        v[q] = base + q < len ? data[base + q] : 0;
        s += v[q];
    }
    int total;
    int ex = wg_scan_excl(s, buf, lid, &total);
    for (int q = 0; q < 4; q++) {
        if (base + q < len) data[base + q] = ex;
        ex += v[q];
    }
    if (lid == 0) sums[g] = total;
}

KERNEL void WG_SIZE(WG, 1) scan_add(GLOBAL int* RESTRICT data, int len, const GLOBAL int* RESTRICT sums) {
    int g = GROUP_ID(0);
    int add = sums[g];
    int base = g * (4 * WG);
    for (int q = LID(0); q < 4 * WG; q += WG)
        if (base + q < len) data[base + q] += add;
}
