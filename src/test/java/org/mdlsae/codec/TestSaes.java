package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/** SAEs and data for the codec's tests, all on the CPU back end. */
final class TestSaes {
    static final CpuBackend CPU = new CpuBackend();

    private TestSaes() {
    }

    /**
     * Random weights (unit-norm decoder rows, encoder = decoder transposed), bias {@code bEnc} for every latent; k is
     * dropped for the architectures without one (Standard, JumpReLU).
     */
    static SaeWeights random(Arch arch, int d, int width, int k, float bEnc, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] dec = new float[width * d];
        for (int j = 0; j < width; j++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                dec[j * d + c] = (float) gauss(r);
                s += dec[j * d + c] * dec[j * d + c];
            }
            for (int c = 0; c < d; c++) dec[j * d + c] /= (float) Math.sqrt(s);
        }
        float[] b = new float[width];
        Arrays.fill(b, bEnc);
        float[] thresholds = null; // JumpReLU (loaded SAEs only): per-latent thresholds, here three distinct ones
        if (arch == Arch.JUMPRELU) {
            thresholds = new float[width];
            for (int j = 0; j < width; j++) thresholds[j] = 0.02f * (1 + j % 3);
        }
        return new SaeWeights(arch, d, width, arch.hasK() ? k : 0, arch == Arch.BATCHTOPK ? 0.05f : Float.NaN, dec.clone(),
                b, dec, new float[d], thresholds);
    }

    /** Rows that are sparse sums of {@code atoms} random directions with random positive magnitudes, plus noise. */
    static Dataset sparseData(String name, int n, int d, int atoms, int perRow, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SplittableRandom dirs = new SplittableRandom(12345);
        float[] a = new float[atoms * d];
        for (int i = 0; i < a.length; i++) a[i] = (float) gauss(dirs);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int m = 1 + r.nextInt(perRow);
            for (int t = 0; t < m; t++) {
                int j = r.nextInt(atoms);
                double mag = 0.5 + r.nextDouble();
                for (int c = 0; c < d; c++) x[i * d + c] += (float) (mag * a[j * d + c] / Math.sqrt(d));
            }
            for (int c = 0; c < d; c++) x[i * d + c] += (float) (noise * gauss(r));
        }
        return new Dataset(name, n, d, x);
    }

    /** A TopK SAE trained for a few epochs on {@code train}. */
    static SaeWeights trained(Dataset train, Arch arch, int width, int k, int epochs) {
        TrainConfig cfg = TrainConfig.defaults(arch, width, k).withEpochs(epochs).withBatch(128).withLr(3e-3);
        return new Trainer(CPU, cfg, null).train(train.data(), train.rows(), train.dim()).weights();
    }

    static double gauss(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** Compresses into memory. */
    static byte[] compress(Sae sae, Dataset data, Dataset calib, double eps, Compressor.Precision p, CompressReport[] report) {
        var model = org.mdlsae.mdl.SparseEncoder.of(sae);
        float[] max = CodeStats.maxima(model, calib);
        Compressor.Plan plan = Compressor.plan(model, SaeDigest.of(sae.download()), data, max, eps, p);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            CompressReport r = plan.write(out);
            if (report != null) report[0] = r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Decompresses a file's bytes (written to {@code dir}) into one array. */
    static float[] decompress(Path dir, byte[] file, Sae sae) {
        try {
            Path f = dir.resolve("x.mdlz");
            Files.write(f, file);
            return decompress(f, sae);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] decompress(Path f, Sae sae) {
        try {
            Decompressor dz = Decompressor.open(f);
            dz.checkSae(SaeDigest.of(sae.download()), "the test SAE");
            float[] out = new float[(int) dz.rows() * dz.dim()];
            dz.decode(org.mdlsae.mdl.SparseEncoder.of(sae), (row0, n, xhat) -> System.arraycopy(xhat, 0, out, (int) row0 * dz.dim(), n * dz.dim()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
