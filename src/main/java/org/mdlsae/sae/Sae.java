package org.mdlsae.sae;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;

/**
 * An SAE whose parameters live on a {@link Backend}. Written only against the backend ops, so it runs the
 * same on the CPU, OpenCL and CUDA. Inference is per sample: TopK keeps k latents per row; a BatchTopK SAE
 * uses its threshold θ (z = ReLU(pre)·1[pre &gt; θ]), so evaluation never couples samples of a batch; a Standard
 * SAE keeps every positive pre-activation; a JumpReLU SAE with per-latent thresholds θ_j encodes with the bias
 * b_enc − max(θ, 0) (so the ordinary "above 0" selection picks pre_j &gt; θ_j) and adds max(θ_j, 0) back to the
 * kept values ({@link Backend#addPerLatent}), docs/design.md §7.
 */
public final class Sae implements AutoCloseable {
    private final Backend backend;
    private final Arch arch;
    private final int dIn;
    private final int width;
    private final int k;
    private float threshold;
    private final FloatBuf enc;
    private final FloatBuf bEnc;
    private final FloatBuf dec;
    private final FloatBuf bDec;
    private final float[] thresholds;
    /** JumpReLU with differing thresholds: b_enc − max(θ, 0) and max(θ, 0) on the backend; null otherwise. */
    private final FloatBuf bEncShifted;
    private final FloatBuf thetaPlus;
    /** The cut of the shared-threshold selection: θ (BatchTopK, uniform JumpReLU) or 0. */
    private final float uniformCut;

    private Sae(Backend backend, SaeWeights w) {
        this.backend = backend;
        this.arch = w.arch();
        this.dIn = w.dIn();
        this.width = w.width();
        this.k = w.k();
        this.threshold = w.threshold();
        this.enc = backend.upload(w.enc());
        this.bEnc = backend.upload(w.bEnc());
        this.dec = backend.upload(w.dec());
        this.bDec = backend.upload(w.bDec());
        this.thresholds = w.thresholds() == null ? null : w.thresholds().clone();
        Float uniform = SaeWeights.common(thresholds);
        if (thresholds != null && uniform == null) {
            float[] plus = new float[width];
            float[] shifted = new float[width];
            for (int j = 0; j < width; j++) {
                plus[j] = Math.max(thresholds[j], 0f);
                shifted[j] = w.bEnc()[j] - plus[j];
            }
            this.thetaPlus = backend.upload(plus);
            this.bEncShifted = backend.upload(shifted);
        } else {
            this.thetaPlus = null;
            this.bEncShifted = null;
        }
        this.uniformCut = uniform != null ? uniform : 0f;
    }


    /** Copies host weights onto a backend. */
    public static Sae upload(Backend backend, SaeWeights w) {
        return new Sae(backend, w);
    }

    /** Copies the parameters back to the host. */
    public SaeWeights download() {
        return new SaeWeights(arch, dIn, width, k, threshold, backend.download(enc), backend.download(bEnc),
                backend.download(dec), backend.download(bDec), thresholds == null ? null : thresholds.clone());
    }

    public Backend backend() {
        return backend;
    }

    public Arch arch() {
        return arch;
    }

    public int dIn() {
        return dIn;
    }

    public int width() {
        return width;
    }

    public int k() {
        return k;
    }

    /** θ of a BatchTopK SAE (NaN for the other architectures). */
    public float threshold() {
        return threshold;
    }

    /** Sets θ (the trainer's EMA). */
    public void setThreshold(float theta) {
        this.threshold = theta;
    }

    /** Encoder, D×d (transposed W_enc). */
    public FloatBuf enc() {
        return enc;
    }

    public FloatBuf bEnc() {
        return bEnc;
    }

    /** Decoder, D×d. */
    public FloatBuf dec() {
        return dec;
    }

    public FloatBuf bDec() {
        return bDec;
    }

    /**
     * The inference code of n rows of {@code x} (n×d on this backend). The caller closes the result.
     */
    public SparseCode encode(FloatBuf x, int n) {
        if (arch == Arch.TOPK) {
            IntBuf idx = backend.ints((long) n * k);
            FloatBuf val = backend.floats((long) n * k);
            backend.encodeTopK(x, bDec, enc, bEnc, n, dIn, width, k, idx, val);
            return new SparseCode(n, width, n * k, rowPtrFixed(backend, n, k), idx, val);
        }
        try (FloatBuf pre = backend.floats((long) n * width)) {
            backend.encode(x, bDec, enc, bEncShifted != null ? bEncShifted : bEnc, n, dIn, width, pre);
            float cut = switch (arch) {
                case BATCHTOPK -> Float.isNaN(threshold) ? 0f : threshold;
                case JUMPRELU -> uniformCut;
                default -> 0f;
            };
            SparseCode z = threshold(backend, pre, n, width, cut, true);
            if (thetaPlus != null) backend.addPerLatent(z, thetaPlus);
            return z;
        }
    }

    /** x̂ = decode(z) into {@code xhat} (n×d). */
    public void decode(SparseCode z, FloatBuf xhat) {
        backend.decode(z, dec, bDec, dIn, xhat);
    }

    /** Row offsets i·k of a fixed-k code. */
    public static IntBuf rowPtrFixed(Backend backend, int n, int k) {
        int[] rp = new int[n + 1];
        for (int i = 0; i <= n; i++) rp[i] = i * k;
        return backend.upload(rp);
    }

    /** The CSR code of the entries of {@code pre} above t (strictly, or inclusive). */
    public static SparseCode threshold(Backend backend, FloatBuf pre, int n, int width, float t, boolean strict) {
        IntBuf rowPtr = backend.ints(n + 1L);
        int nnz = backend.countAbove(pre, n, width, t, strict, rowPtr);
        IntBuf idx = backend.ints(Math.max(1, nnz));
        FloatBuf val = backend.floats(Math.max(1, nnz));
        backend.gatherAbove(pre, n, width, t, strict, rowPtr, idx, val);
        return new SparseCode(n, width, nnz, rowPtr, idx, val);
    }

    @Override
    public void close() {
        enc.close();
        bEnc.close();
        dec.close();
        bDec.close();
        if (bEncShifted != null) bEncShifted.close();
        if (thetaPlus != null) thetaPlus.close();
    }
}
