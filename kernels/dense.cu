/*
 * Dense elementwise ops, reductions and the optimiser (all over row-major float arrays).
 *
 * residual_partial: grad[e] = scale·(xhat[e] − target[e]); partial[g] = Σ over group g's elements of
 *                   (xhat − target)²; the host adds the partials in double.
 *                   Dense: grad = scale·(x̂ − x); loss = ((x − x̂)²).sum().
 * col_sums:         out[c] = (accumulate ? out[c] : 0) + (Σ_i a[i,c]) / div   (a: n×d).
 *                   Dense: a.sum(0) / div. Kahan-compensated because n can be large.
 * sqdev_partial:    partial[g] = Σ over group g's elements of (a[i,c] − mean[c])² (a: n×d).
 *                   Dense: ((a − a.mean(0))²).sum().
 * axpby:            y[e] = alpha·x[e] + beta·y[e].
 * adam_step:        m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr·(m/c1) / (sqrt(v/c2) + eps)
 *                   with c1 = 1 − β1^t, c2 = 1 − β2^t from the host. Dense: torch.optim.Adam step.
 * remove_parallel_rows: grad[j,:] −= (grad[j,:]·dec[j,:]) dec[j,:] (dec, grad: width×d, one group per row).
 * normalise_rows:   dec[j,:] /= ‖dec[j,:]‖ for non-zero rows (one group per row).
 * gather_batch:     out[r,:] = data[order[from + r],:] for r < rows (data: N×d resident on the device).
 *                   Dense: out = data[order[from:from + rows]].
 * dead_update:      the trainer's dead-latent bookkeeping (docs/design.md §2.2) for one step of `rows` samples:
 *                   since[j] = 0 if counts[j] > 0 else min(since[j] + rows, deadAfter) (saturating, so int
 *                   never overflows); mask[j] = since[j] >= deadAfter; totals[0] += Σ counts, totals[1] += Σ mask.
 *
 * Elementwise kernels and reductions are grid-stride loops (GRID_LOOP) over any number of groups; the
 * reductions use a fixed number of groups chosen by the host, so their partial sums and hence the
 * results are deterministic for a given shape.
 */
#ifdef __CUDACC__
#include "prelude.h"
#endif

KERNEL void WG_SIZE(WG, 1) residual_partial(const GLOBAL float* RESTRICT target, const GLOBAL float* RESTRICT xhat,
                                             int count, float scale, GLOBAL float* RESTRICT grad,
                                             GLOBAL float* RESTRICT partial) {
    LOCAL float red[WG];
    int lid = LID(0);
    float s = 0.0f;
    GRID_LOOP(e, count) {
        float diff = xhat[e] - target[e];
        grad[e] = scale * diff;
        s += diff * diff;
    }
    s = wg_sum(s, red, lid);
    if (lid == 0) partial[GROUP_ID(0)] = s;
}

KERNEL void WG_SIZE(WG, 1) col_sums(const GLOBAL float* RESTRICT a, int n, int d, float div, int accumulate,
                                     GLOBAL float* RESTRICT out) {
    int c = GID(0);
    if (c >= d) return;
    float s = 0.0f, comp = 0.0f;
    for (int r = 0; r < n; r++) {
        float y = a[r * d + c] - comp;
        float t = s + y;
        comp = (t - s) - y;
        s = t;
    }
    s = s / div;
    out[c] = accumulate ? out[c] + s : s;
}

KERNEL void WG_SIZE(WG, 1) sqdev_partial(const GLOBAL float* RESTRICT a, int count, int d,
                                          const GLOBAL float* RESTRICT mean, GLOBAL float* RESTRICT partial) {
    LOCAL float red[WG];
    int lid = LID(0);
    float s = 0.0f;
    GRID_LOOP(e, count) {
        float v = a[e] - mean[(int) e % d];
        s += v * v;
    }
    s = wg_sum(s, red, lid);
    if (lid == 0) partial[GROUP_ID(0)] = s;
}

KERNEL void WG_SIZE(WG, 1) axpby(float alpha, const GLOBAL float* RESTRICT x, float beta, GLOBAL float* RESTRICT y,
                                  int count) {
    GRID_LOOP(e, count) y[e] = alpha * x[e] + beta * y[e];
}

KERNEL void WG_SIZE(WG, 1) adam_step(GLOBAL float* RESTRICT p, const GLOBAL float* RESTRICT g, GLOBAL float* RESTRICT m,
                                      GLOBAL float* RESTRICT v, int count, float lr, float beta1, float beta2,
                                      float eps, float c1, float c2) {
    GRID_LOOP(e, count) {
        float gv = g[e];
        float mv = beta1 * m[e] + (1.0f - beta1) * gv;
        float vv = beta2 * v[e] + (1.0f - beta2) * gv * gv;
        m[e] = mv;
        v[e] = vv;
        p[e] -= lr * (mv / c1) / (FSQRT(vv / c2) + eps);
    }
}

KERNEL void WG_SIZE(WG, 1) remove_parallel_rows(const GLOBAL float* RESTRICT dec, GLOBAL float* RESTRICT grad, int d) {
    LOCAL float red[WG];
    int lid = LID(0), j = GROUP_ID(0);
    const GLOBAL float* w = dec + j * d;
    GLOBAL float* gr = grad + j * d;
    float s = 0.0f;
    for (int c = lid; c < d; c += WG) s += w[c] * gr[c];
    s = wg_sum(s, red, lid);
    for (int c = lid; c < d; c += WG) gr[c] -= s * w[c];
}

KERNEL void WG_SIZE(WG, 1) normalise_rows(GLOBAL float* RESTRICT dec, int d) {
    LOCAL float red[WG];
    int lid = LID(0), j = GROUP_ID(0);
    GLOBAL float* w = dec + j * d;
    float s = 0.0f;
    for (int c = lid; c < d; c += WG) s += w[c] * w[c];
    s = wg_sum(s, red, lid);
    if (s == 0.0f) return; /* uniform: every work-item holds the same sum */
    float inv = 1.0f / FSQRT(s);
    for (int c = lid; c < d; c += WG) w[c] *= inv;
}

KERNEL void WG_SIZE(WG, 1) gather_batch(const GLOBAL float* RESTRICT data, const GLOBAL int* RESTRICT order, int from,
                                         int rows, int d, GLOBAL float* RESTRICT out) {
    GRID_LOOP(e, rows * d) {
        int r = (int) e / d, c = (int) e - r * d;
        out[e] = data[order[from + r] * d + c];
    }
}

KERNEL void WG_SIZE(WG, 1) dead_update(const GLOBAL int* RESTRICT counts, GLOBAL int* RESTRICT since,
                                        GLOBAL int* RESTRICT mask, int width, int rows, int deadAfter,
                                        GLOBAL int* RESTRICT totals) {
    LOCAL int red[WG];
    int lid = LID(0);
    int active = 0, dead = 0;
    GRID_LOOP(e, width) {
        int j = (int) e;
        int c = counts[j], s = since[j];
        s = c > 0 ? 0 : (deadAfter - s <= rows ? deadAfter : s + rows);
        since[j] = s;
        int dj = s >= deadAfter ? 1 : 0;
        mask[j] = dj;
        active += c;
        dead += dj;
    }
    active = wg_sum_int(active, red, lid);
    dead = wg_sum_int(dead, red, lid);
    if (lid == 0) {
        if (active != 0) ATOMIC_ADD_INT(&totals[0], active);
        if (dead != 0) ATOMIC_ADD_INT(&totals[1], dead);
    }
}
