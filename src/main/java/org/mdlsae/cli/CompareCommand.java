package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mdlsae.backend.Backend;
import org.mdlsae.codec.Comparison;
import org.mdlsae.codec.SaeDigest;
import org.mdlsae.codec.Zstd;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae compare}: the SAE's code beside the codes a skeptic would try, at one ε (docs/design.md §13). */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Bits per sample of the SAE's code (entropy DL and the compressed file, uniform and per-feature "
                + "precision), the dense code at B* through gzip, xz and zstd, and PCA with entropy-coded coefficients, "
                + "all at the same tolerance on the same rows. Writes nothing.",
                "Rows and calibration as in 'mdlsae dl': mnist calibrates (and fits PCA) on train and measures on test."})
public final class CompareCommand implements Callable<Integer> {
    @Mixin
    SaeOption sae;

    @Mixin
    DataOptions data;

    @Option(names = "--calib", paramLabel = "SOURCE", description = "Calibration data (quantiser scales, dense ranges, PCA basis).")
    String calib;

    @Option(names = "--eps", paramLabel = "MSE", defaultValue = "" + Mdl.DEFAULT_EPS, description = "MSE tolerance ε (default ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--zstd-jar", paramLabel = "JAR",
            description = "zstd-jni jar for the zstd row (default: $MDLSAE_ZSTD_JAR, or the class path; else zstd is left out).")
    Path zstdJar;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() {
        Zstd zstd = Zstd.find(zstdJar);
        SaeFiles.Loaded loaded = sae.load();
        Comparison c;
        String name;
        try (DataOptions opened = data) {
            Rows eval = opened.open("test", calib);
            name = eval.name();
            SaeOption.checkDims(loaded, eval, sae.dir, "--data");
            Rows cal = opened.openCalibration(calib, eval, "compare");
            SaeOption.checkDims(loaded, cal, sae.dir, "--calib");
            try (Backend be = backend.create(); Sae s = Sae.upload(be, loaded.weights())) {
                c = Comparison.run(SparseEncoder.of(s), SaeDigest.of(loaded.weights()), eval, cal,
                        eps, zstd);
            }
        }
        if (json) {
            Json.print(c);
        } else {
            System.out.printf(java.util.Locale.ROOT, "%s on %s: N = %d, d = %d, ε = %.6g (MSE), B* = %d%n%n", sae.dir,
                    name, c.samples(), c.dIn(), c.eps(), c.bits());
            System.out.print(c.markdown());
        }
        return 0;
    }
}
