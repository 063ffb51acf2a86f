/*
 * Thresholded codes (BatchTopK training, JumpReLU / BatchTopK inference) and the scan they need.
 *
 * The exact BatchTopK threshold: the keep-th largest positive value of a[0..count) (like RadixSelect on the
 * CPU), found by a radix select on the IEEE bits (positive floats order like their bit patterns) in four passes
 * of RS_BITS(p) bits at RS_SHIFT(p): 11 (the exponent and 3 mantissa bits: a bin spans 1/8 of an octave), 8, 8,
 * 4. Its bookkeeping stays on the device; the host launches the passes and reads one int at the end.
 *   state (7 ints): prefix, pmask (the top bits of the answer known so far), rank (its rank among the values
 *   that share them), done, result (bit pattern), useCand, candCount.
 * radix_init:      state = {0, 0, keep, 0, 0, 0, 0}; hist[0..2047] = 0, hist[2048] = INT_MAX.
 * radix_hist_dev:  pass p: hist[b] += #{ v > 0 : (bits(v) & pmask) == prefix, bin of v at this pass == b } over a
 *                  (or over the collected candidates when useCand); on the first pass also hist[2048] = min bits
 *                  of the positive values. Grid-stride; any number of groups; no-op once done.
 * radix_pick:      one group: walks hist from the top bin to the bin holding the rank-th value, narrows
 *                  prefix/pmask/rank, finishes (done, result) after the last pass or when the first pass shows at
 *                  most keep positives (result: the smallest positive, or +inf when there is none), and clears
 *                  hist for the next pass. After the first pass it sets useCand when the chosen bin holds at most
 *                  candCap values.
 * radix_collect:   with useCand, copies the values of the chosen first-pass bin into cand, so that the three
 *                  remaining passes read those instead of all of a.
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

#define RS_PREFIX 0
#define RS_PMASK 1
#define RS_RANK 2
#define RS_DONE 3
#define RS_RESULT 4
#define RS_USE_CAND 5
#define RS_CAND_COUNT 6
/* the four passes: 11 + 8 + 8 + 4 bits from the top (bit 31, the sign, is 0 for positive values) */
#define RS_SHIFT(p) ((p) == 0 ? 20 : (p) == 1 ? 12 : (p) == 2 ? 4 : 0)
#define RS_BITS(p) ((p) == 0 ? 11 : (p) == 3 ? 4 : 8)
#define RS_BINS 2048

KERNEL void WG_SIZE(WG, 1) radix_init(GLOBAL int* RESTRICT state, int keep, GLOBAL int* RESTRICT hist) {
    int lid = LID(0);
    for (int b = lid; b < RS_BINS; b += WG) hist[b] = 0;
    if (lid == 0) hist[RS_BINS] = 0x7fffffff;
    if (lid < 7) state[lid] = lid == RS_RANK ? keep : 0;
}

/*
 * Local histogram of `bins` bins kept in RS_BINS / bins copies (at most HSUB; see the prelude): float bit patterns
 * cluster in a few bins and one shared copy would serialise a warp's atomics on the same word.
 */
DEVICE int rs_copies(int bins) {
    return IMIN(HSUB, RS_BINS / bins);
}

KERNEL void WG_SIZE(WG, 1) radix_hist_dev(const GLOBAL float* RESTRICT a, int count, const GLOBAL float* RESTRICT cand,
                                           const GLOBAL int* RESTRICT state, int pass, GLOBAL int* RESTRICT hist) {
    if (state[RS_DONE]) return; /* uniform */
    LOCAL int lh[RS_BINS];
    LOCAL int lmin;
    int lid = LID(0);
    int shift = RS_SHIFT(pass), bins = 1 << RS_BITS(pass), copies = rs_copies(bins);
    for (int q = lid; q < RS_BINS; q += WG) lh[q] = 0;
    if (lid == 0) lmin = 0x7fffffff;
    BARRIER();
    int useCand = state[RS_USE_CAND];
    const GLOBAL float* src = useCand ? cand : a;
    int len = useCand ? state[RS_CAND_COUNT] : count;
    LPTR int* mine = lh + (lid % copies) * bins;
    uint up = (uint) state[RS_PREFIX], um = (uint) state[RS_PMASK], bm = (uint) (bins - 1);
    /* the minimum is a private running value first: one local atomic per work-item, not per element */
    int myMin = 0x7fffffff;
    GRID_LOOP(e, len) {
        float v = src[e];
        if (v > 0.0f) {
            uint u = FLOAT_AS_UINT(v);
            if ((u & um) == up) ATOMIC_ADD_INT(&mine[(u >> shift) & bm], 1);
            myMin = IMIN(myMin, (int) u);
        }
    }
    if (pass == 0 && myMin != 0x7fffffff) ATOMIC_MIN_INT(&lmin, myMin);
    BARRIER();
    for (int b = lid; b < bins; b += WG) {
        int c = lh[b];
        for (int h = 1; h < copies; h++) c += lh[h * bins + b];
        if (c != 0) ATOMIC_ADD_INT(&hist[b], c);
    }
    if (lid == 0 && pass == 0 && lmin != 0x7fffffff) ATOMIC_MIN_INT(&hist[RS_BINS], lmin);
}

KERNEL void WG_SIZE(WG, 1) radix_pick(GLOBAL int* RESTRICT hist, GLOBAL int* RESTRICT state, int pass, int candCap) {
    if (state[RS_DONE]) return; /* uniform */
    LOCAL int h[RS_BINS];
    int lid = LID(0);
    int shift = RS_SHIFT(pass), bins = 1 << RS_BITS(pass);
    for (int b = lid; b < bins; b += WG) {
        h[b] = hist[b];
        hist[b] = 0; /* ready for the next pass (the minimum in hist[RS_BINS] is only written by the first) */
    }
    BARRIER();
    if (lid == 0) {
        int rank = state[RS_RANK];
        int done = 0;
        if (pass == 0) {
            int positives = 0;
            for (int b = 0; b < bins; b++) positives += h[b];
            if (positives == 0) {
                state[RS_RESULT] = 0x7f800000; /* +inf: nothing is positive */
                done = 1;
            } else if (positives <= rank) {
                state[RS_RESULT] = hist[RS_BINS]; /* at most keep positives: the smallest one */
                done = 1;
            }
        }
        if (!done) {
            int above = 0, b = bins - 1;
            while (above + h[b] < rank) above += h[b--];
            int prefix = state[RS_PREFIX] | (b << shift);
            state[RS_PREFIX] = prefix;
            state[RS_PMASK] |= (bins - 1) << shift;
            state[RS_RANK] = rank - above;
            if (pass == 3) {
                state[RS_RESULT] = prefix;
                done = 1;
            } else if (pass == 0 && h[b] <= candCap) {
                state[RS_USE_CAND] = 1;
            }
        }
        state[RS_DONE] = done;
    }
}

KERNEL void WG_SIZE(WG, 1) radix_collect(const GLOBAL float* RESTRICT a, int count, GLOBAL int* RESTRICT state,
                                          GLOBAL float* RESTRICT cand) {
    if (state[RS_DONE] || !state[RS_USE_CAND]) return; /* uniform */
    uint up = (uint) state[RS_PREFIX], um = (uint) state[RS_PMASK];
    GRID_LOOP(e, count) {
        float v = a[e];
        if (v > 0.0f && (FLOAT_AS_UINT(v) & um) == up) cand[ATOMIC_ADD_INT(&state[RS_CAND_COUNT], 1)] = v;
    }
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
