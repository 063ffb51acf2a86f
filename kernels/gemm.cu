/*
 * Encoder product, the only O(n·d·D) op of a training step:
 *   pre[i,j] = Σ_c (x[i,c] − bDec[c]) · enc[j,c] + bEnc[j]        for i < n, j < width
 * x: n×d row-major starting at x + xOff; enc: width×d row-major (the encoder stored transposed, so both
 * operands keep the reduction index contiguous: an "NT" GEMM); pre: n×width row-major at pre + preOff.
 * Dense equivalent: pre = (x − b_dec) @ W_enc + b_enc.
 *
 * encode_gemm       portable fp32 kernel: 64×64 tiles, 16×16 work-items, 4×4 outputs each.
 *                   Grid: X = ceil(n / 64) row tiles (X because it is the unbounded grid dimension on CUDA),
 *                   Y = ceil(width / 64) latent tiles.
 * encode_gemm_hist  the same (x without offset), and the first pass of the BatchTopK threshold search on the
 *                   products as they are stored: hist[b] += #{outputs v > 0 with bits(v) >> 20 == b} (b < 2048),
 *                   hist[2048] = min over the positive outputs of their bit pattern (radix_hist_dev, select.cu,
 *                   pass 0; select.cu follows this file, so the numbers are spelled out here).
 * encode_gemm_tf32  CUDA only: tensor cores (mma.sync m16n8k8, TF32 operands rounded to nearest, fp32
 *                   accumulation), 128×128 tiles, 8 warps of 64×32, operands double-buffered in shared memory
 *                   by cp.async. Grid: X = ceil(n / 128), Y = ceil(width / 128); 256 threads.
 * encode_gemm_cpu   OpenCL only: float8 variant for OpenCL CPU devices (pocl).
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16
/* row stride of the k-major local tiles: one column of padding spreads the loads' stores over the banks */
#define GEMM_LD (GEMM_BM + 1)

/*
 * One 64×64 tile of the product without bias: acc[i][j] = Σ_c (x[row0 + ty + 16i, c] − bDec[c])·enc[col0 + tx + 16j, c]
 * (rows ≥ n and latents ≥ width contribute zeros). As and Bs are GEMM_BK·GEMM_LD local floats each. Every
 * work-item of the 16×16 group must call it; it begins and ends with a barrier-separated use of As/Bs.
 * Each work-item owns a 4×4 output tile strided by 16: the inner loop's local reads then hit 16 consecutive
 * words (no bank conflicts) and the stores are 16-wide contiguous runs.
 */
DEVICE void gemm_tile(const GLOBAL float* RESTRICT x, int xOff, const GLOBAL float* RESTRICT bDec,
                      const GLOBAL float* RESTRICT enc, int n, int d, int width, int row0, int col0,
                      LPTR float* As, LPTR float* Bs, float acc[4][4]) {
    int tx = LID(0), ty = LID(1);
    int tid = ty * 16 + tx;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < d; k0 += GEMM_BK) {
        for (int l = 0; l < 4; l++) {
            int e = tid + 256 * l;
            int r = e >> 4, kk = e & 15;
            int gk = k0 + kk;
            int gr = row0 + r;
            /* centring on load: (x − b_dec) never exists as an n×d array */
            As[kk * GEMM_LD + r] = (gr < n && gk < d) ? x[xOff + gr * d + gk] - bDec[gk] : 0.0f;
            int gc = col0 + r;
            Bs[kk * GEMM_LD + r] = (gc < width && gk < d) ? enc[gc * d + gk] : 0.0f;
        }
        BARRIER();
        for (int kk = 0; kk < GEMM_BK; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) {
                a[i] = As[kk * GEMM_LD + ty + 16 * i];
                b[i] = Bs[kk * GEMM_LD + tx + 16 * i];
            }
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        BARRIER();
    }
}

/* Stores the tile plus bias into pre (rows < n, latents < width only). */
DEVICE void gemm_store(float acc[4][4], const GLOBAL float* RESTRICT bEnc, int n, int width, int row0, int col0,
                       GLOBAL float* RESTRICT pre, int preOff) {
    int tx = LID(0), ty = LID(1);
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        if (r >= n) continue;
        for (int j = 0; j < 4; j++) {
            int c = col0 + tx + 16 * j;
            if (c < width) pre[preOff + r * width + c] = acc[i][j] + bEnc[c];
        }
    }
}

KERNEL void WG_SIZE(16, 16) encode_gemm(const GLOBAL float* RESTRICT x, int xOff, const GLOBAL float* RESTRICT bDec,
                                         const GLOBAL float* RESTRICT enc, const GLOBAL float* RESTRICT bEnc,
                                         int n, int d, int width, GLOBAL float* RESTRICT pre, int preOff) {
    LOCAL float As[GEMM_BK * GEMM_LD];
    LOCAL float Bs[GEMM_BK * GEMM_LD];
    float acc[4][4];
    int row0 = GROUP_ID(0) * GEMM_BM, col0 = GROUP_ID(1) * GEMM_BN;
    gemm_tile(x, xOff, bDec, enc, n, d, width, row0, col0, As, Bs, acc);
    gemm_store(acc, bEnc, n, width, row0, col0, pre, preOff);
}

KERNEL void WG_SIZE(16, 16) encode_gemm_hist(const GLOBAL float* RESTRICT x, const GLOBAL float* RESTRICT bDec,
                                              const GLOBAL float* RESTRICT enc, const GLOBAL float* RESTRICT bEnc,
                                              int n, int d, int width, GLOBAL float* RESTRICT pre,
                                              GLOBAL int* RESTRICT hist) {
    LOCAL float As[GEMM_BK * GEMM_LD];
    LOCAL float Bs[GEMM_BK * GEMM_LD];
    LOCAL int lh[2048];
    LOCAL int lmin;
    float acc[4][4];
    int tx = LID(0), ty = LID(1), lid = ty * 16 + tx;
    int row0 = GROUP_ID(0) * GEMM_BM, col0 = GROUP_ID(1) * GEMM_BN;
    for (int q = lid; q < 2048; q += 256) lh[q] = 0;
    if (lid == 0) lmin = 0x7fffffff;
    gemm_tile(x, 0, bDec, enc, n, d, width, row0, col0, As, Bs, acc); /* its barriers publish the clears */
    gemm_store(acc, bEnc, n, width, row0, col0, pre, 0);
    int myMin = 0x7fffffff;
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        for (int j = 0; j < 4; j++) {
            int c = col0 + tx + 16 * j;
            float v = acc[i][j] + (c < width ? bEnc[c] : 0.0f);
            if (r < n && c < width && v > 0.0f) {
                uint u = FLOAT_AS_UINT(v);
                ATOMIC_ADD_INT(&lh[u >> 20], 1);
                myMin = IMIN(myMin, (int) u);
            }
        }
    }
    if (myMin != 0x7fffffff) ATOMIC_MIN_INT(&lmin, myMin);
    BARRIER();
    for (int q = lid; q < 2048; q += 256)
        if (lh[q] != 0) ATOMIC_ADD_INT(&hist[q], lh[q]);
    if (lid == 0 && lmin != 0x7fffffff) ATOMIC_MIN_INT(&hist[2048], lmin);
}

#ifdef __CUDACC__
/* ------------------------------------------------------------------ CUDA: TF32 tensor cores (sm_80+) */
#define TC_BM 128
#define TC_BN 128
#define TC_BK 16
/* row stride of the shared tiles in floats: 16 + 4 keeps rows 16-byte aligned for cp.async and makes the
 * fragment loads conflict-free (lane (g, t) reads word 20g + t: 32 distinct banks) */
#define TC_LDS 20

DEVICE unsigned smem_addr(const void* p) {
    return (unsigned) __cvta_generic_to_shared(p);
}

/* Asynchronous global → shared copies; bytes < size zero-fills the rest (0: nothing is read). */
DEVICE void cp_async16(float* dst, const float* src, int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src), "r"(bytes));
}

DEVICE void cp_async4(float* dst, const float* src, int bytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_addr(dst)), "l"(src), "r"(bytes));
}

/* TF32 with round-to-nearest (feeding raw fp32 bits would truncate instead) */
DEVICE unsigned tf32(float f) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(f));
    return r;
}

DEVICE void mma_tf32(float* c, const unsigned* a, const unsigned* b) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

/*
 * Issues the copies of one k-slice [k0, k0 + 16) of the 128-row x tile and the 128-latent enc tile into
 * shared stage (As, Bs), each stored row-major with stride TC_LDS. 16-byte copies when every row start is
 * 16-byte aligned (d and xOff multiples of 4), else 4-byte copies. Out-of-range elements are zero-filled.
 */
DEVICE void tc_load(const float* __restrict__ x, int xOff, const float* __restrict__ enc, int n, int d, int width,
                    int row0, int col0, int k0, bool vec, float* As, float* Bs) {
    int tid = threadIdx.x;
    if (vec) {
#pragma unroll
        for (int l = 0; l < 2; l++) {
            int e = tid + 256 * l; /* 512 chunks of 4 floats per operand */
            int r = e >> 2, kq = (e & 3) * 4;
            int gk = k0 + kq;
            int gr = row0 + r, gc = col0 + r;
            bool okA = gr < n && gk < d, okB = gc < width && gk < d;
            cp_async16(As + r * TC_LDS + kq, okA ? x + xOff + gr * d + gk : x, okA ? 16 : 0);
            cp_async16(Bs + r * TC_LDS + kq, okB ? enc + gc * d + gk : enc, okB ? 16 : 0);
        }
    } else {
#pragma unroll
        for (int l = 0; l < 8; l++) {
            int e = tid + 256 * l; /* 2048 single floats per operand */
            int r = e >> 4, kk = e & 15;
            int gk = k0 + kk;
            int gr = row0 + r, gc = col0 + r;
            bool okA = gr < n && gk < d, okB = gc < width && gk < d;
            cp_async4(As + r * TC_LDS + kk, okA ? x + xOff + gr * d + gk : x, okA ? 4 : 0);
            cp_async4(Bs + r * TC_LDS + kk, okB ? enc + gc * d + gk : enc, okB ? 4 : 0);
        }
    }
    asm volatile("cp.async.commit_group;\n" ::);
}

/*
 * Warp w (of 8) computes the 64×32 sub-tile rows 64·(w >> 2), latents 32·(w & 3) as 4×4 mma tiles of 16×8.
 * Fragment layout of m16n8k8 (lane = 4g + t): A (16×8, row-major) a0 = (g, t), a1 = (g+8, t), a2 = (g, t+4),
 * a3 = (g+8, t+4); B (8×8, "col": enc rows are B's columns) b0 = (k t, n g), b1 = (k t+4, n g);
 * C c0,c1 = (g, 2t), (g, 2t+1); c2,c3 = (g+8, 2t), (g+8, 2t+1). Centring (x − b_dec) is applied to the A
 * fragments as they leave shared memory, so the products match the fp32 kernels' operands before rounding.
 */
extern "C" __global__ void __launch_bounds__(256) encode_gemm_tf32(const float* __restrict__ x, int xOff,
                                                                    const float* __restrict__ bDec,
                                                                    const float* __restrict__ enc,
                                                                    const float* __restrict__ bEnc, int n, int d,
                                                                    int width, float* __restrict__ pre, int preOff) {
    __shared__ __align__(16) float As[2][TC_BM * TC_LDS];
    __shared__ __align__(16) float Bs[2][TC_BN * TC_LDS];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int g = lane >> 2, t = lane & 3;
    int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
    int row0 = blockIdx.x * TC_BM, col0 = blockIdx.y * TC_BN;
    bool vec = (d & 3) == 0 && (xOff & 3) == 0;
    float acc[4][4][4];
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int q = 0; q < 4; q++) acc[mi][ni][q] = 0.0f;

    int kTiles = (d + TC_BK - 1) / TC_BK;
    tc_load(x, xOff, enc, n, d, width, row0, col0, 0, vec, As[0], Bs[0]);
    for (int kt = 0; kt < kTiles; kt++) {
        int cur = kt & 1;
        /* prefetch the next slice into the other stage (freed by the barrier that ended the last iteration);
         * an empty group at the end keeps "wait for all but the newest group" meaning "this slice is in" */
        if (kt + 1 < kTiles) {
            tc_load(x, xOff, enc, n, d, width, row0, col0, (kt + 1) * TC_BK, vec, As[cur ^ 1], Bs[cur ^ 1]);
        } else {
            asm volatile("cp.async.commit_group;\n" ::);
        }
        asm volatile("cp.async.wait_group 1;\n" ::);
        __syncthreads();
        const float* A = As[cur];
        const float* B = Bs[cur];
#pragma unroll
        for (int kk = 0; kk < TC_BK; kk += 8) {
            int k0 = kt * TC_BK + kk;
            float bd0 = k0 + t < d ? bDec[k0 + t] : 0.0f;
            float bd1 = k0 + t + 4 < d ? bDec[k0 + t + 4] : 0.0f;
            unsigned a[4][4], b[4][2];
#pragma unroll
            for (int mi = 0; mi < 4; mi++) {
                const float* p = A + (wm + mi * 16 + g) * TC_LDS + kk + t;
                a[mi][0] = tf32(p[0] - bd0);
                a[mi][1] = tf32(p[8 * TC_LDS] - bd0);
                a[mi][2] = tf32(p[4] - bd1);
                a[mi][3] = tf32(p[8 * TC_LDS + 4] - bd1);
            }
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                const float* p = B + (wn + ni * 8 + g) * TC_LDS + kk + t;
                b[ni][0] = tf32(p[0]);
                b[ni][1] = tf32(p[4]);
            }
#pragma unroll
            for (int mi = 0; mi < 4; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++) mma_tf32(acc[mi][ni], a[mi], b[ni]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int ni = 0; ni < 4; ni++) {
            int c = col0 + wn + ni * 8 + 2 * t;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                int r = row0 + wm + mi * 16 + g + 8 * h;
                if (r >= n) continue;
                if (c < width) pre[preOff + r * width + c] = acc[mi][ni][2 * h] + bEnc[c];
                if (c + 1 < width) pre[preOff + r * width + c + 1] = acc[mi][ni][2 * h + 1] + bEnc[c + 1];
            }
        }
    }
}
#endif

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
