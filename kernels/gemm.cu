/*
 * Encoder product, the only O(n·d·D) op of a training step:
 *   pre[i,j] = Σ_c (x[i,c] − bDec[c]) · enc[j,c] + bEnc[j]        for i < n, j < width
 * x: n×d row-major starting at x + xOff; enc: width×d row-major (the encoder stored transposed, so both
 * operands keep the reduction index contiguous: an "NT" GEMM); pre: n×width row-major at pre + preOff.
 * Dense equivalent: pre = (x − b_dec) @ W_enc + b_enc.
 *
 * Grid: X = ceil(n / 64) row tiles (X because it is the unbounded grid dimension on CUDA),
 *       Y = ceil(width / 64) latent tiles; 16×16 work-items per group.
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16

KERNEL void WG_SIZE(16, 16) encode_gemm(const GLOBAL float* RESTRICT x, int xOff, const GLOBAL float* RESTRICT bDec,
                                         const GLOBAL float* RESTRICT enc, const GLOBAL float* RESTRICT bEnc,
                                         int n, int d, int width, GLOBAL float* RESTRICT pre, int preOff) {
    /* k-major tiles (+1 column of padding): the loads below write a column of 16 consecutive k for one row,
     * and the padding spreads those stores over distinct banks. */
    LOCAL float As[GEMM_BK][GEMM_BM + 1];
    LOCAL float Bs[GEMM_BK][GEMM_BN + 1];
    int tx = LID(0), ty = LID(1);
    int tid = ty * 16 + tx;
    int row0 = GROUP_ID(0) * GEMM_BM;
    int col0 = GROUP_ID(1) * GEMM_BN;

    /* Each work-item owns a 4×4 output tile strided by 16: the inner loop's local reads then hit 16
     * consecutive words (no bank conflicts) and the final stores are 16-wide contiguous runs. */
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < d; k0 += GEMM_BK) {
        for (int l = 0; l < 4; l++) {
            int e = tid + 256 * l;
            int r = e >> 4, kk = e & 15;
            int gk = k0 + kk;
            int gr = row0 + r;
            /* centring on load: (x − b_dec) never exists as an n×d array */
            As[kk][r] = (gr < n && gk < d) ? x[xOff + gr * d + gk] - bDec[gk] : 0.0f;
            int gc = col0 + r;
            Bs[kk][r] = (gc < width && gk < d) ? enc[gc * d + gk] : 0.0f;
        }
        BARRIER();
        for (int kk = 0; kk < GEMM_BK; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) {
                a[i] = As[kk][ty + 16 * i];
                b[i] = Bs[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        BARRIER();
    }
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        if (r >= n) continue;
        for (int j = 0; j < 4; j++) {
            int c = col0 + tx + 16 * j;
            if (c < width) pre[preOff + r * width + c] = acc[i][j] + bEnc[c];
        }
    }
}

#ifndef __CUDACC__
/*
 * The same product for OpenCL CPU devices (pocl), where the tiled kernel above runs slowly: pocl executes
 * a work-group as loops over its work-items, so local-memory tiles and barriers buy nothing there while
 * the private accumulators spill across every barrier. Here each work-item computes a GCPU_R×GCPU_C block of pre
 * with no local memory: explicit float8 vectors along the reduction index (contiguous in both operands)
 * give pocl's compiler SIMD code directly, and the GCPU_R + GCPU_C operand rows stay in L1. 3×4 keeps the 12
 * float8 accumulators in AVX2's 16 registers (4×4 spilled and measured slower on pocl).
 * Grid: X = ceil(width / GCPU_C) latent blocks (any local size), Y = ceil(n / GCPU_R) row blocks.
 * Reference: encode_gemm (the portable kernel, used on GPUs and by CUDA; the parity tests run both).
 */
#define GCPU_R 3
#define GCPU_C 4

KERNEL void encode_gemm_cpu(const GLOBAL float* RESTRICT x, int xOff, const GLOBAL float* RESTRICT bDec,
                            const GLOBAL float* RESTRICT enc, const GLOBAL float* RESTRICT bEnc, int n, int d,
                            int width, GLOBAL float* RESTRICT pre, int preOff) {
    int j0 = GID(0) * GCPU_C, i0 = GID(1) * GCPU_R;
    if (j0 >= width || i0 >= n) return;
    /* clamp operand rows past the edge to the last valid row; their results are never stored */
    const GLOBAL float* xr[GCPU_R];
    const GLOBAL float* er[GCPU_C];
    for (int q = 0; q < GCPU_R; q++) xr[q] = x + xOff + IMIN(i0 + q, n - 1) * d;
    for (int q = 0; q < GCPU_C; q++) er[q] = enc + IMIN(j0 + q, width - 1) * d;
    float8 acc[GCPU_R][GCPU_C];
    for (int a = 0; a < GCPU_R; a++)
        for (int b = 0; b < GCPU_C; b++) acc[a][b] = (float8) (0.0f);
    int c = 0;
    for (; c + 8 <= d; c += 8) {
        float8 bd = vload8(0, bDec + c);
        float8 xv[GCPU_R], ev[GCPU_C];
        for (int q = 0; q < GCPU_R; q++) xv[q] = vload8(0, xr[q] + c) - bd;
        for (int q = 0; q < GCPU_C; q++) ev[q] = vload8(0, er[q] + c);
        for (int a = 0; a < GCPU_R; a++)
            for (int b = 0; b < GCPU_C; b++) acc[a][b] = mad(xv[a], ev[b], acc[a][b]);
    }
    float s[GCPU_R][GCPU_C];
    for (int a = 0; a < GCPU_R; a++)
        for (int b = 0; b < GCPU_C; b++) {
            float8 v = acc[a][b];
            float4 h = v.lo + v.hi;
            float2 hh = h.lo + h.hi;
            s[a][b] = hh.lo + hh.hi;
        }
    for (; c < d; c++) {
        float bd = bDec[c];
        for (int a = 0; a < GCPU_R; a++) {
            float xa = xr[a][c] - bd;
            for (int b = 0; b < GCPU_C; b++) s[a][b] += xa * er[b][c];
        }
    }
    for (int a = 0; a < GCPU_R && i0 + a < n; a++)
        for (int b = 0; b < GCPU_C && j0 + b < width; b++)
            pre[preOff + (i0 + a) * width + j0 + b] = s[a][b] + bEnc[j0 + b];
}
#endif
