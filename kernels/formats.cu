/*
 * Kernels for SAEs loaded from other tools (docs/design.md §7).
 *
 * add_per_latent: val[e] += add[idx[e]] for every entry e < nnz with val[e] > 0 (padding entries of value 0
 *                 stay 0). JumpReLU with per-latent thresholds θ: the encoder runs with b_enc − max(θ, 0),
 *                 the ordinary "above 0" selection keeps pre_j > θ_j, and this kernel adds max(θ_j, 0) back so
 *                 the kept value is pre_j. Dense: z = relu(pre) * (pre > θ).
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

KERNEL void WG_SIZE(WG, 1) add_per_latent(const GLOBAL int* RESTRICT idx, GLOBAL float* RESTRICT val, int nnz,
                                           const GLOBAL float* RESTRICT add) {
    GRID_LOOP(e, nnz) {
        float v = val[e];
        if (v > 0.0f) val[e] = v + add[idx[e]];
    }
}
