package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mdlsae.backend.Backend;
import org.mdlsae.codec.CodeStats;
import org.mdlsae.codec.CompressReport;
import org.mdlsae.codec.Compressor;
import org.mdlsae.codec.SaeDigest;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae compress}: the SAE's quantised codes of a data set, entropy-coded into a file (docs/design.md §13). */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the SAE's codes of the data, quantised at the precision the DL evaluation chooses for the "
                + "tolerance, range-coded with the DL's per-feature models: a file whose payload is the entropy DL × N "
                + "(within 1%). 'mdlsae decompress' turns it back into the reconstruction the DL evaluation scored.",
                "With --data mnist the quantiser is calibrated on the train split and the test split is compressed; a "
                        + "file serves for both unless --calib names another (as in 'mdlsae dl')."})
public final class CompressCommand implements Callable<Integer> {
    @Mixin
    SaeOption sae;

    @Mixin
    DataOptions data;

    @Option(names = "--calib", paramLabel = "SOURCE", description = "Calibration data for the quantiser's per-feature maxima.")
    String calib;

    @Option(names = "--eps", paramLabel = "MSE", defaultValue = "" + Mdl.DEFAULT_EPS, description = "MSE tolerance ε (default ${DEFAULT-VALUE}).")
    double eps;

    // not --precision: that is the back end's arithmetic (fp32|tf32, BackendOption)
    @Option(names = "--allocation", paramLabel = "uniform|per-feature", defaultValue = "uniform",
            description = "Quantiser precision per latent. uniform: B* for every latent, the file decodes to exactly what "
                    + "'mdlsae dl' scores; per-feature: a rate–distortion bit allocation under the same ε "
                    + "(default ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The compressed file to write.")
    Path out;

    @Option(names = "--force", description = "Replace an existing compressed file this engine wrote.")
    boolean force;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Compressor.Precision p = precision(allocation);
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.COMPRESSED, OutputTarget.Mode.REPLACE, force);
        SaeFiles.Loaded loaded = sae.load();
        CompressReport[] r = new CompressReport[1];
        try (DataOptions opened = data) {
            Rows eval = opened.open("test", calib);
            SaeOption.checkDims(loaded, eval, sae.dir, "--data");
            Rows cal = opened.openCalibration(calib, eval, "compress");
            SaeOption.checkDims(loaded, cal, sae.dir, "--calib");
            try (Backend be = backend.create(); Sae s = Sae.upload(be, loaded.weights())) {
                SparseEncoder model = SparseEncoder.of(s);
                float[] max = CodeStats.maxima(model, cal);
                Compressor.Plan plan = Compressor.plan(model, SaeDigest.of(loaded.weights()), eval, max, eps, p);
                target.writeFile(o -> r[0] = plan.write(o));
            }
        }
        if (json) {
            var m = r[0].toJson();
            m.put("file", target.path().toString());
            Json.print(m);
        } else {
            System.out.print(r[0].describe());
            System.out.println("wrote " + target.path());
        }
        return 0;
    }

    static Compressor.Precision precision(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "uniform" -> Compressor.Precision.UNIFORM;
            case "per-feature", "per_feature", "perfeature" -> Compressor.Precision.PER_FEATURE;
            default -> throw new org.mdlsae.InputException("--allocation: unknown '" + s + "'; use uniform or per-feature");
        };
    }
}
