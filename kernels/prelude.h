/*
 * MDL-SAE kernel prelude: a handful of macros that let one kernel text build both ways:
 *   - CUDA:   nvcc -ptx (each kernels/NAME.cu includes this file itself; kernels are extern "C" so the
 *             driver API finds them by their plain names);
 *   - OpenCL: OpenCL C 1.2 clBuildProgram (the host prepends this file to the concatenated kernels and
 *             the #include line in each .cu is skipped because __CUDACC__ is undefined).
 * Kernels use only int indexing: every buffer holds fewer than 2^31 elements (the CPU back end has the
 * same limit), so row·width products fit in an int.
 */
#ifndef MDLSAE_PRELUDE_H
#define MDLSAE_PRELUDE_H

/* Work-group (block) size of every 1-D kernel; the host launches exactly this many work-items per group. */
#define WG 256

/* Radix histograms keep HSUB copies in local memory, work-item lid updating copy lid % HSUB: float bit
 * patterns cluster in a few top-byte bins, and one shared copy would serialise a whole warp's atomics on
 * the same word. The copies are folded before the bins are read. */
#define HSUB 8

#ifdef __CUDACC__
/* ------------------------------------------------------------------------------------------- CUDA */
typedef unsigned int uint;
#define KERNEL extern "C" __global__
/* Launch-size contract: lets nvcc budget registers for exactly x·y threads. */
#define WG_SIZE(x, y) __launch_bounds__((x) * (y))
#define DEVICE static __device__ __forceinline__
#define GLOBAL
#define LOCAL __shared__
/* Address-space qualifier for a pointer into LOCAL memory passed to a DEVICE function. */
#define LPTR
#define RESTRICT __restrict__
#define LID(d) ((int) ((d) == 0 ? threadIdx.x : (d) == 1 ? threadIdx.y : threadIdx.z))
#define GROUP_ID(d) ((int) ((d) == 0 ? blockIdx.x : (d) == 1 ? blockIdx.y : blockIdx.z))
#define LOCAL_SIZE(d) ((int) ((d) == 0 ? blockDim.x : (d) == 1 ? blockDim.y : blockDim.z))
#define NUM_GROUPS(d) ((int) ((d) == 0 ? gridDim.x : (d) == 1 ? gridDim.y : gridDim.z))
#define GID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LID(d))
#define BARRIER() __syncthreads()
#define ATOMIC_ADD_INT(p, v) atomicAdd((p), (v))
#define ATOMIC_MIN_INT(p, v) atomicMin((p), (v))
#define ATOMIC_CAS_INT(p, cmp, v) atomicCAS((p), (cmp), (v))
#define FLOAT_AS_INT(x) __float_as_int(x)
#define FLOAT_AS_UINT(x) __float_as_uint(x)
#define INT_AS_FLOAT(x) __int_as_float(x)
#define UINT_AS_FLOAT(x) __uint_as_float(x)
#define FSQRT(x) sqrtf(x)
#define FABS(x) fabsf(x)
#define FMAX(a, b) fmaxf((a), (b))
#define IMIN(a, b) min((a), (b))
#define IMAX(a, b) max((a), (b))

DEVICE void atomic_add_float(GLOBAL float* p, float v) {
    atomicAdd(p, v);
}

#else
/* ----------------------------------------------------------------------------------------- OpenCL */
#define KERNEL __kernel
#define WG_SIZE(x, y) __attribute__((reqd_work_group_size((x), (y), 1)))
#define DEVICE static inline
#define GLOBAL __global
#define LOCAL __local
#define LPTR __local
#define RESTRICT restrict
#define LID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
#define NUM_GROUPS(d) ((int) get_num_groups(d))
#define GID(d) ((int) get_global_id(d))
/* Global fence too: some kernels hand data between work-items of a group through global scratch. */
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define ATOMIC_ADD_INT(p, v) atomic_add((p), (v))
#define ATOMIC_MIN_INT(p, v) atomic_min((p), (v))
#define ATOMIC_CAS_INT(p, cmp, v) atomic_cmpxchg((p), (cmp), (v))
#define FLOAT_AS_INT(x) as_int(x)
#define FLOAT_AS_UINT(x) as_uint(x)
#define INT_AS_FLOAT(x) as_float(x)
#define UINT_AS_FLOAT(x) as_float(x)
#define FSQRT(x) sqrt(x)
#define FABS(x) fabs(x)
#define FMAX(a, b) fmax((a), (b))
#define IMIN(a, b) min((a), (b))
#define IMAX(a, b) max((a), (b))

/* OpenCL 1.2 has no float atomics: a compare-and-swap loop on the bit pattern. */
DEVICE void atomic_add_float(GLOBAL float* p, float v) {
    volatile GLOBAL int* ip = (volatile GLOBAL int*) p;
    int seen = *ip;
    int expected;
    do {
        expected = seen;
        seen = atomic_cmpxchg(ip, expected, as_int(as_float(expected) + v));
    } while (seen != expected);
}
#endif

/* ------------------------------------------------------------------------------- shared helpers */

/* Grid-stride loop over [0, count) for 1-D launches of any number of groups. The index is unsigned so
 * that e + stride cannot overflow for counts just below 2^31; use (int) e inside. */
#define GRID_LOOP(e, count) \
    for (uint e = (uint) GID(0), e##_stride = (uint) (NUM_GROUPS(0) * WG); e < (uint) (count); e += e##_stride)

#define F_INFINITY INT_AS_FLOAT(0x7f800000)

/* max on floats through a CAS loop (ordered by float comparison, so negative values work too); the
 * plain read first skips the atomic in the common case where v does not raise the maximum. */
DEVICE void atomic_max_float(GLOBAL float* p, float v) {
#ifdef __CUDACC__
    int* ip = (int*) p;
#else
    volatile GLOBAL int* ip = (volatile GLOBAL int*) p;
#endif
    int seen = *ip;
    while (v > INT_AS_FLOAT(seen)) {
        int prev = ATOMIC_CAS_INT(ip, seen, FLOAT_AS_INT(v));
        if (prev == seen) break;
        seen = prev;
    }
}

/* Work-group exclusive prefix sum of one int per work-item (WG of them), Hillis–Steele in local memory.
 * Every work-item of the group must call it. *total receives the group's sum. */
DEVICE int wg_scan_excl(int x, LPTR int* buf, int lid, int* total) {
    buf[lid] = x;
    BARRIER();
    for (int off = 1; off < WG; off <<= 1) {
        int y = lid >= off ? buf[lid - off] : 0;
        BARRIER();
        buf[lid] += y;
        BARRIER();
    }
    int incl = buf[lid];
    *total = buf[WG - 1];
    BARRIER();
    return incl - x;
}

/* Zeroes HSUB·256 local histogram words (all work-items call it; a barrier must follow before use). */
DEVICE void hist_clear(LPTR int* hist, int lid) {
    for (int q = lid; q < HSUB * 256; q += WG) hist[q] = 0;
}

/* Folds the HSUB copies into hist[0..255]; each bin is owned by one work-item, so no race. Ends with a barrier. */
DEVICE void hist_fold(LPTR int* hist, int lid) {
    for (int q = lid; q < 256; q += WG) {
        int s = hist[q];
        for (int h = 1; h < HSUB; h++) s += hist[h * 256 + q];
        hist[q] = s;
    }
    BARRIER();
}

/* Defines NAME(x, buf, lid): the work-group sum of one T per work-item in tree order (so the result is deterministic),
 * returned to every work-item; buf holds WG values of T in local memory. Every work-item must call it. */
#define WG_SUM(NAME, T)                                      \
    DEVICE T NAME(T x, LPTR T* buf, int lid) {               \
        buf[lid] = x;                                        \
        BARRIER();                                           \
        for (int h = WG / 2; h > 0; h >>= 1) {               \
            if (lid < h) buf[lid] += buf[lid + h];           \
            BARRIER();                                       \
        }                                                    \
        T s = buf[0];                                        \
        BARRIER();                                           \
        return s;                                            \
    }

WG_SUM(wg_sum, float)
WG_SUM(wg_sum_int, int)

#endif /* MDLSAE_PRELUDE_H */
