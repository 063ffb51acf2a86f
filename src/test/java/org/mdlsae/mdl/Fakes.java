package org.mdlsae.mdl;

import java.util.Random;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;

/** Stand-ins for the SAE on the CPU backend. */
final class Fakes {
    static final CpuBackend CPU = new CpuBackend();

    private Fakes() {
    }

    /** A CSR code on the CPU from host arrays. */
    static SparseCode code(int n, int width, int[] rowPtr, int[] idx, float[] val) {
        return new SparseCode(n, width, rowPtr[n], CpuBackend.wrap(rowPtr), CpuBackend.wrap(idx), CpuBackend.wrap(val));
    }

    /** Code = the positive part of x itself (D = d), decoder = identity, no bias: x̂ = max(x, 0), quantised. */
    static final class Identity implements SparseEncoder {
        final int d;
        final FloatBuf dec, bDec;
        int encodeCalls;

        Identity(int d) {
            this.d = d;
            float[] eye = new float[d * d];
            for (int i = 0; i < d; i++) eye[i * d + i] = 1f;
            dec = CpuBackend.wrap(eye);
            bDec = CpuBackend.wrap(new float[d]);
        }

        @Override public Backend backend() { return CPU; }
        @Override public int dIn() { return d; }
        @Override public int width() { return d; }
        @Override public int k() { return d; }
        @Override public FloatBuf dec() { return dec; }
        @Override public FloatBuf bDec() { return bDec; }

        @Override
        public SparseCode encode(FloatBuf x, int n) {
            encodeCalls++;
            float[] xs = CPU.download(x);
            int[] rp = new int[n + 1];
            int[] idx = new int[n * d];
            float[] val = new float[n * d];
            for (int r = 0; r < n; r++) {
                rp[r + 1] = (r + 1) * d;
                for (int c = 0; c < d; c++) {
                    idx[r * d + c] = c;
                    val[r * d + c] = Math.max(0f, xs[r * d + c]);
                }
            }
            return code(n, d, rp, idx, val);
        }
    }

    /** A random TopK SAE: unit-norm decoder rows, tied encoder, b_dec = 0. */
    static final class TopK implements SparseEncoder {
        final int d, width, k;
        final FloatBuf enc, bEnc, dec, bDec;

        TopK(int d, int width, int k, long seed) {
            this.d = d;
            this.width = width;
            this.k = k;
            Random rnd = new Random(seed);
            float[] w = new float[width * d];
            for (int j = 0; j < width; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    w[j * d + c] = (float) rnd.nextGaussian();
                    s += w[j * d + c] * w[j * d + c];
                }
                for (int c = 0; c < d; c++) w[j * d + c] /= (float) Math.sqrt(s);
            }
            enc = CpuBackend.wrap(w.clone());
            dec = CpuBackend.wrap(w);
            bEnc = CPU.floats(width);
            bDec = CPU.floats(d);
        }

        @Override public Backend backend() { return CPU; }
        @Override public int dIn() { return d; }
        @Override public int width() { return width; }
        @Override public int k() { return k; }
        @Override public FloatBuf dec() { return dec; }
        @Override public FloatBuf bDec() { return bDec; }

        @Override
        public SparseCode encode(FloatBuf x, int n) {
            IntBuf idx = CPU.ints((long) n * k);
            FloatBuf val = CPU.floats((long) n * k);
            CPU.encodeTopK(x, bDec, enc, bEnc, n, d, width, k, idx, val);
            int[] rp = new int[n + 1];
            for (int r = 0; r <= n; r++) rp[r] = r * k;
            return new SparseCode(n, width, n * k, CpuBackend.wrap(rp), idx, val);
        }
    }

    /** Gaussian data, n×d, mean 0.2 per dimension. */
    static float[] gaussian(int n, int d, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = 0.2f + (float) rnd.nextGaussian();
        return x;
    }
}
