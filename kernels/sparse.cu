/*
 * Sparse-code kernels: decode, the sparse backward, activity counts and the description-length pieces.
 * Codes are CSR: row i owns entries rowPtr[i] .. rowPtr[i+1]−1 of idx (latent j) and val (v >= 0);
 * v == 0 marks padding / inactive. dec, enc, gradDec, gradEnc: width×d row-major; x, g, xhat: n×d.
 *
 * decode_rows:    xhat[i,c] = bDec[c] + Σ_{e in row i} q(v_e)·dec[j_e,c]   (q = identity, or the bin
 *                 centre of docs/design.md §2.3 when quant != 0). Dense: xhat = z @ W_dec + b_dec.
 * quant_err_rows: rowErr[i] = Σ_c (x[i,c] − xhat_q[i,c])², the same decode fused with the error.
 * gz_entries:     gz[e] = g[i,:]·dec[j_e,:] (0 where v_e = 0), one 32-wide segment (a warp on CUDA) per
 *                 entry, 8 entries per group; the entry's row is found by binary search in rowPtr (cached:
 *                 ~log2 n reads).                                    Dense: gz = (g @ W_decᵀ)[active].
 * csc_count / csc_starts / csc_fill: a stable counting sort of the active entries by latent (CSC):
 *                 the rows are cut into `blocks` contiguous blocks, each counted and filled by one
 *                 work-item in row order, and counts are laid out latent-major (cnt[j·blocks + b]) so
 *                 one exclusive scan yields every (latent, block) start. Stable order makes the
 *                 per-latent sums below deterministic without float atomics.
 * grad_dec_cols:  gradDec[j,:] += Σ_{entries of latent j} v·g[i,:].      Dense: W_dec.grad += zᵀ @ g.
 * grad_enc_cols:  gradEnc[j,:] += Σ gz·(x[i,:] − bDec); gradBEnc[j] += Σ gz; colSum[j] = Σ gz.
 *                 Dense: W_enc.grad += (x − b_dec)ᵀ @ gz_dense (only the active columns are touched).
 * grad_bdec_partial / grad_bdec_reduce: gradBDec[c] −= Σ_j colSum[j]·enc[j,c] as a GEMV over the whole
 *                 device: group (cb, jb) sums latents [jb·jPer, (jb+1)·jPer) for 256 columns into
 *                 partial[jb·d + c]; the reduce adds the blocks in order (deterministic).
 *                                                                        Dense: b_dec.grad −= gz_dense.sum(0) @ W_encᵀ.
 * count_active:   counts[j] += #{entries of latent j with v > 0}.
 * feature_max:    maxv[j] = max(maxv[j], v) over the entries of latent j.
 * bin_index:      bins[e] = min(⌊v·scale[j]⌋, levels − 1) for v > 0 and maxv[j] > 0, else −1; the host
 *                 combines them with idx into the keys j·2^bits + bin and counts them.
 *
 * Bin arithmetic is float32 and matches backend.Quantise bit for bit: scale[j] = (float) levels / max[j] is
 * computed on the host in Java (so no device division rounding is involved), v·scale is one correctly
 * rounded multiply, and the centre (b + 0.5)·max·2^−bits equals the CPU's (b + 0.5)·max / 2^bits
 * because scaling by a power of two is exact.
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

DEVICE int quant_bin(float v, float scale, int levels) {
    float y = v * scale;
    /* clamp in float first: values above max (or a huge scale) would overflow the int conversion */
    return y >= (float) levels ? levels - 1 : (y > 0.0f ? (int) y : 0);
}

/* The value an entry decodes to: v itself, or its bin centre (0 for a feature dead at calibration). */
DEVICE float decoded_value(float v, int j, const GLOBAL float* maxv, const GLOBAL float* scale, int levels,
                           float invLevels, int quant) {
    if (!quant) return v;
    float m = maxv[j];
    if (!(v > 0.0f) || m <= 0.0f) return 0.0f;
    int b = quant_bin(v, scale[j], levels);
    return ((float) b + 0.5f) * m * invLevels;
}

KERNEL void WG_SIZE(WG, 1) decode_rows(const GLOBAL int* RESTRICT rowPtr, const GLOBAL int* RESTRICT idx,
                                        const GLOBAL float* RESTRICT val, const GLOBAL float* RESTRICT dec,
                                        const GLOBAL float* RESTRICT bDec, int hasBias, int d,
                                        const GLOBAL float* RESTRICT maxv, const GLOBAL float* RESTRICT scale,
                                        int levels, float invLevels, int quant, GLOBAL float* RESTRICT xhat) {
    int row = GROUP_ID(0);
    int q0 = rowPtr[row], q1 = rowPtr[row + 1];
    for (int c = LID(0); c < d; c += WG) {
        float acc = hasBias ? bDec[c] : 0.0f;
        for (int q = q0; q < q1; q++) {
            float v = val[q];
            if (v == 0.0f) continue;
            int j = idx[q];
            v = decoded_value(v, j, maxv, scale, levels, invLevels, quant);
            if (v == 0.0f) continue;
            acc += v * dec[j * d + c];
        }
        xhat[row * d + c] = acc;
    }
}

KERNEL void WG_SIZE(WG, 1) quant_err_rows(const GLOBAL int* RESTRICT rowPtr, const GLOBAL int* RESTRICT idx,
                                           const GLOBAL float* RESTRICT val, const GLOBAL float* RESTRICT dec,
                                           const GLOBAL float* RESTRICT bDec, int hasBias, int d,
                                           const GLOBAL float* RESTRICT maxv, const GLOBAL float* RESTRICT scale,
                                           int levels, float invLevels, int quant, const GLOBAL float* RESTRICT x,
                                           GLOBAL float* RESTRICT rowErr) {
    LOCAL float red[WG];
    int lid = LID(0), row = GROUP_ID(0);
    int q0 = rowPtr[row], q1 = rowPtr[row + 1];
    float err = 0.0f;
    for (int c = lid; c < d; c += WG) {
        float acc = hasBias ? bDec[c] : 0.0f;
        for (int q = q0; q < q1; q++) {
            float v = val[q];
            if (v == 0.0f) continue;
            int j = idx[q];
            v = decoded_value(v, j, maxv, scale, levels, invLevels, quant);
            if (v == 0.0f) continue;
            acc += v * dec[j * d + c];
        }
        float diff = x[row * d + c] - acc;
        err += diff * diff;
    }
    err = wg_sum(err, red, lid);
    if (lid == 0) rowErr[row] = err;
}

/* The row of entry q of a CSR code: the largest r with rowPtr[r] <= q (empty rows share their offset). */
DEVICE int row_of(const GLOBAL int* RESTRICT rowPtr, int n, int q) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (rowPtr[mid] <= q) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

KERNEL void WG_SIZE(WG, 1) gz_entries(const GLOBAL int* RESTRICT rowPtr, const GLOBAL int* RESTRICT idx,
                                       const GLOBAL float* RESTRICT val, const GLOBAL float* RESTRICT g,
                                       const GLOBAL float* RESTRICT dec, int n, int d, int nnz,
                                       GLOBAL float* RESTRICT gz) {
    int lid = LID(0), lane = lid & 31;
    int q = GROUP_ID(0) * (WG / 32) + (lid >> 5);
    float s = 0.0f;
    int live = q < nnz && val[q] != 0.0f;
    if (live) {
        int r = row_of(rowPtr, n, q);
        const GLOBAL float* gr = g + r * d;
        const GLOBAL float* w = dec + idx[q] * d;
        for (int c = lane; c < d; c += 32) s += gr[c] * w[c];
    }
#ifdef __CUDACC__
    /* a warp is exactly one entry's segment: shuffles, no barrier */
    for (int off = 16; off > 0; off >>= 1) s += __shfl_down_sync(0xffffffffu, s, off);
#else
    LOCAL float red[WG];
    red[lid] = s;
    BARRIER();
    for (int h = 16; h > 0; h >>= 1) {
        if (lane < h) red[lid] += red[lid + h];
        BARRIER();
    }
    s = red[lid];
#endif
    if (lane == 0 && q < nnz) gz[q] = live ? s : 0.0f;
}

KERNEL void WG_SIZE(WG, 1) csc_count(const GLOBAL int* RESTRICT rowPtr, const GLOBAL int* RESTRICT idx,
                                      const GLOBAL float* RESTRICT val, int n, int blocks, int rowsPerBlock,
                                      GLOBAL int* RESTRICT cnt) {
    int b = GID(0);
    if (b >= blocks) return;
    int r1 = IMIN(n, (b + 1) * rowsPerBlock);
    for (int r = b * rowsPerBlock; r < r1; r++)
        for (int q = rowPtr[r]; q < rowPtr[r + 1]; q++)
            if (val[q] != 0.0f) cnt[idx[q] * blocks + b]++;
}

KERNEL void WG_SIZE(WG, 1) csc_starts(const GLOBAL int* RESTRICT off, int width, int blocks,
                                       GLOBAL int* RESTRICT colStart) {
    int j = GID(0);
    if (j <= width) colStart[j] = off[j * blocks];
}

KERNEL void WG_SIZE(WG, 1) csc_fill(const GLOBAL int* RESTRICT rowPtr, const GLOBAL int* RESTRICT idx,
                                     const GLOBAL float* RESTRICT val, int n, int blocks, int rowsPerBlock,
                                     GLOBAL int* RESTRICT off, GLOBAL int* RESTRICT colRow,
                                     GLOBAL int* RESTRICT colEntry) {
    int b = GID(0);
    if (b >= blocks) return;
    int r1 = IMIN(n, (b + 1) * rowsPerBlock);
    for (int r = b * rowsPerBlock; r < r1; r++) {
        for (int q = rowPtr[r]; q < rowPtr[r + 1]; q++) {
            if (val[q] == 0.0f) continue;
            int p = off[idx[q] * blocks + b]++; /* slot (latent, block) is owned by this work-item */
            colRow[p] = r;
            colEntry[p] = q;
        }
    }
}

KERNEL void WG_SIZE(WG, 1) grad_dec_cols(const GLOBAL int* RESTRICT colStart, const GLOBAL int* RESTRICT colRow,
                                          const GLOBAL int* RESTRICT colEntry, const GLOBAL float* RESTRICT val,
                                          const GLOBAL float* RESTRICT g, int d, GLOBAL float* RESTRICT gradDec) {
    int j = GROUP_ID(0);
    int s0 = colStart[j], s1 = colStart[j + 1];
    if (s0 == s1) return;
    for (int c = LID(0); c < d; c += WG) {
        float acc = gradDec[j * d + c];
        for (int p = s0; p < s1; p++) acc += val[colEntry[p]] * g[colRow[p] * d + c];
        gradDec[j * d + c] = acc;
    }
}

KERNEL void WG_SIZE(WG, 1) grad_enc_cols(const GLOBAL int* RESTRICT colStart, const GLOBAL int* RESTRICT colRow,
                                          const GLOBAL int* RESTRICT colEntry, const GLOBAL float* RESTRICT gz,
                                          const GLOBAL float* RESTRICT x, const GLOBAL float* RESTRICT bDec, int d,
                                          GLOBAL float* RESTRICT gradEnc, GLOBAL float* RESTRICT gradBEnc,
                                          GLOBAL float* RESTRICT colSum) {
    int j = GROUP_ID(0), lid = LID(0);
    int s0 = colStart[j], s1 = colStart[j + 1];
    for (int c = lid; c < d; c += WG) {
        if (s0 == s1) break;
        float acc = gradEnc[j * d + c];
        float bc = bDec[c];
        for (int p = s0; p < s1; p++) {
            float gv = gz[colEntry[p]];
            if (gv == 0.0f) continue;
            acc += gv * (x[colRow[p] * d + c] - bc);
        }
        gradEnc[j * d + c] = acc;
    }
    if (lid == 0) {
        /* in entry order, like the CPU twin, so the bias gradient is bit-identical */
        float s = 0.0f;
        for (int p = s0; p < s1; p++) {
            float gv = gz[colEntry[p]];
            if (gv != 0.0f) s += gv;
        }
        gradBEnc[j] += s;
        colSum[j] = s;
    }
}

KERNEL void WG_SIZE(WG, 1) grad_bdec_partial(const GLOBAL float* RESTRICT colSum, const GLOBAL float* RESTRICT enc,
                                              int width, int d, int jPer, GLOBAL float* RESTRICT partial) {
    int c = GID(0), jb = GROUP_ID(1);
    if (c >= d) return;
    int j1 = IMIN(width, (jb + 1) * jPer);
    float acc = 0.0f;
    for (int j = jb * jPer; j < j1; j++) {
        float s = colSum[j]; /* the same j for the whole group: no divergence */
        if (s != 0.0f) acc += s * enc[j * d + c];
    }
    partial[jb * d + c] = acc;
}

KERNEL void WG_SIZE(WG, 1) grad_bdec_reduce(const GLOBAL float* RESTRICT partial, int blocks, int d,
                                             GLOBAL float* RESTRICT gradBDec) {
    int c = GID(0);
    if (c >= d) return;
    float acc = gradBDec[c];
    for (int jb = 0; jb < blocks; jb++) acc -= partial[jb * d + c];
    gradBDec[c] = acc;
}

KERNEL void WG_SIZE(WG, 1) count_active(const GLOBAL int* RESTRICT idx, const GLOBAL float* RESTRICT val, int nnz,
                                         GLOBAL int* RESTRICT counts) {
    GRID_LOOP(e, nnz) if (val[e] > 0.0f) ATOMIC_ADD_INT(&counts[idx[e]], 1);
}

KERNEL void WG_SIZE(WG, 1) feature_max(const GLOBAL int* RESTRICT idx, const GLOBAL float* RESTRICT val, int nnz,
                                        GLOBAL float* RESTRICT maxv) {
    GRID_LOOP(e, nnz) atomic_max_float(&maxv[idx[e]], val[e]);
}

KERNEL void WG_SIZE(WG, 1) bin_index(const GLOBAL int* RESTRICT idx, const GLOBAL float* RESTRICT val, int nnz,
                                      const GLOBAL float* RESTRICT maxv, const GLOBAL float* RESTRICT scale,
                                      int levels, GLOBAL int* RESTRICT bins) {
    GRID_LOOP(e, nnz) {
        float v = val[e];
        int j = idx[e];
        bins[e] = (v > 0.0f && !(maxv[j] <= 0.0f)) ? quant_bin(v, scale[j], levels) : -1;
    }
}
