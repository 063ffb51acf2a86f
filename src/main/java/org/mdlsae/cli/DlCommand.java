package org.mdlsae.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.api.Cluster;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae dl}: description length of a saved SAE at a loss tolerance. */
@Command(name = "dl", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Description length of an SAE's latent codes at a loss tolerance: effective precision B*, "
                + "entropy DL (bits/sample), the L0·(B + log2 D) bound and the dense code d·B*.",
                "With --data mnist the quantiser is calibrated on the train split and DL/MSE are measured on the test "
                        + "split; with a file or a directory of shards the whole of it serves for both unless --calib "
                        + "names another. Data are streamed chunk by chunk in bounded memory; ε and MSE are in the data's "
                        + "raw units."})
public final class DlCommand implements Callable<Integer> {
    @Mixin
    SaeOption sae;

    @Mixin
    DataOptions data;

    @Option(names = "--calib", paramLabel = "SOURCE", description = "Calibration data for the quantiser's per-feature maxima.")
    String calib;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Tolerance tol = new Tolerance();

    @Mixin
    BackendOption backend;

    @Mixin
    SparkOption spark;

    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    /** Exactly one of --eps, --fvu, --delta (default --eps 0.015). */
    static final class Tolerance {
        @Option(names = "--eps", paramLabel = "MSE", description = "MSE tolerance ε (default " + Mdl.DEFAULT_EPS + ").")
        Double eps;

        @Option(names = "--fvu", paramLabel = "FVU", description = "Tolerance as a fraction of variance unexplained.")
        Double fvu;

        @Option(names = "--delta", paramLabel = "δ", description = "Smallest B whose quantised MSE exceeds the unquantised MSE by at most δ.")
        Double delta;
    }

    @Override
    public Integer call() {
        SaeFiles.Loaded loaded = sae.load();
        DlReport r;
        try (DataOptions opened = data) {
            Rows eval = opened.open("test", calib);
            SaeOption.checkDims(loaded, eval, sae.dir, "--data");
            Rows cal = opened.openCalibration(calib, eval, "dl");
            SaeOption.checkDims(loaded, cal, sae.dir, "--calib");
            if (spark.on()) {
                // the driver only plans and merges: the SAE it holds is never used to encode (docs/design.md §14)
                try (Cluster cluster = spark.connect(); Backend cpu = Backends.create("cpu");
                     Sae s = Sae.upload(cpu, loaded.weights())) {
                    r = tolerance(Mdl.of(s, eval).calibration(cal)).evaluate(cluster.dlPasses(loaded.weights(),
                            opened.spec(eval), opened.spec(cal), backend.backend, backend.precision));
                }
            } else {
                try (Backend be = backend.create()) {
                    Resources.require(Resources.evaluation(loaded.weights().width(), loaded.weights().dIn(),
                            loaded.weights().k(), Math.max(eval.rowCount(), cal.rowCount()), be), be,
                            "a narrower SAE");
                    try (Sae s = Sae.upload(be, loaded.weights())) {
                        r = tolerance(Mdl.of(s, eval).calibration(cal)).evaluate();
                    }
                }
            }
        }
        if (json) {
            Map<String, Object> j = r.toJson();
            j.put("mse_units", "raw");
            Json.print(j);
        }
        else System.out.println(r.describe());
        return 0;
    }

    /** Sets the tolerance the flags name (default --eps 0.015). */
    private Mdl tolerance(Mdl m) {
        if (tol.delta != null) return m.delta(tol.delta);
        if (tol.fvu != null) return m.toleranceFvu(tol.fvu);
        return m.tolerance(tol.eps != null ? tol.eps : Mdl.DEFAULT_EPS);
    }
}
