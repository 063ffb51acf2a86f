/*
 * Per-feature histogram entropy of the description length (docs/design.md §2.3) on the device: the host receives one
 * number per feature, not the quantised symbols.
 *
 * entropy_hist: one group per latent j (grid X = width) over the code's entries grouped by latent (the CSC of
 *   sparse.cu): hist[j·levels + b] += #{entries of j with v > 0 and max_j > 0 whose bin is b}, with the bin rule of
 *   bin_index (b = min(⌊v·scale[j]⌋, levels − 1), scale computed on the host). The group counts into local bins
 *   (levels ≤ ENTROPY_LOCAL_BINS) and then adds them to its own row of hist (no other group writes it, so no
 *   atomics there); wider histograms count with global atomics. hist accumulates over the chunks of an
 *   evaluation set. Dense equivalent: for each j, torch.bincount(bins of j, minlength=levels).
 * entropy_bits: one group per latent: with T = Σ_b c_b and S = Σ_b c_b·log2 c_b over hist[j, :],
 *   bits[j] = h(p) + p·max(0, log2 T − S/T) with p = T / samples and h the binary entropy (0 when T = 0), the
 *   per-feature cost H_j = h(p_j) + p_j·H(bins | active) of DescriptionLength.perFeatureBits. Accumulated in double
 *   where the device has it (CUDA; OpenCL with cl_khr_fp64), else in float; the result is stored as float. A
 *   feature counted more often than `samples` gets NaN (the host turns that into an error).
 */
#ifdef __CUDACC__
#include "prelude.h"
typedef double ent_t;
#elif defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double ent_t;
#else
typedef float ent_t;
#endif

#define ENTROPY_LOCAL_BINS 4096

KERNEL void WG_SIZE(WG, 1) entropy_hist(const GLOBAL int* RESTRICT colStart, const GLOBAL int* RESTRICT colEntry,
                                         const GLOBAL float* RESTRICT val, const GLOBAL float* RESTRICT maxv,
                                         const GLOBAL float* RESTRICT scale, int levels, GLOBAL int* RESTRICT hist) {
    LOCAL int bins[ENTROPY_LOCAL_BINS];
    int j = GROUP_ID(0), lid = LID(0);
    int s0 = colStart[j], s1 = colStart[j + 1];
    /* every work-item passes both barriers (no early exit: pocl needs barriers outside divergent control) */
    int live = s0 < s1 && maxv[j] > 0.0f;
    int inLocal = levels <= ENTROPY_LOCAL_BINS;
    float sc = scale[j];
    GLOBAL int* row = hist + j * levels;
    if (inLocal)
        for (int b = lid; b < levels; b += WG) bins[b] = 0;
    BARRIER();
    if (live) {
        for (int p = s0 + lid; p < s1; p += WG) {
            float v = val[colEntry[p]];
            if (v > 0.0f) {
                int b = quant_bin(v, sc, levels);
                if (inLocal) ATOMIC_ADD_INT(&bins[b], 1);
                else ATOMIC_ADD_INT(&row[b], 1);
            }
        }
    }
    BARRIER();
    if (live && inLocal)
        for (int b = lid; b < levels; b += WG)
            if (bins[b] != 0) row[b] += bins[b];
}

WG_SUM(wg_sum_ent, ent_t)

KERNEL void WG_SIZE(WG, 1) entropy_bits(const GLOBAL int* RESTRICT hist, int levels, int samples,
                                         GLOBAL float* RESTRICT bits) {
    LOCAL int ibuf[WG];
    LOCAL ent_t ebuf[WG];
    int j = GROUP_ID(0), lid = LID(0);
    const GLOBAL int* row = hist + j * levels;
    int total = 0;
    ent_t s = 0;
    for (int b = lid; b < levels; b += WG) {
        int c = row[b];
        total += c;
        if (c > 0) s += (ent_t) c * log2((ent_t) c);
    }
    total = wg_sum_int(total, ibuf, lid);
    s = wg_sum_ent(s, ebuf, lid);
    if (lid != 0) return;
    if (total == 0 || total > samples) {
        /* NaN flags counts that exceed the sample count (the host rejects the call) */
        bits[j] = total == 0 ? 0.0f : INT_AS_FLOAT(0x7fc00000);
        return;
    }
    ent_t t = (ent_t) total;
    ent_t p = t / (ent_t) samples;
    ent_t h = p >= (ent_t) 1 ? (ent_t) 0 : -(p * log2(p) + ((ent_t) 1 - p) * log2((ent_t) 1 - p));
    ent_t cond = log2(t) - s / t;
    bits[j] = (float) (h + p * (cond > (ent_t) 0 ? cond : (ent_t) 0));
}
