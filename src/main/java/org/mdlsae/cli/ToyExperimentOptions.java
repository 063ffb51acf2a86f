package org.mdlsae.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.mdlsae.ConfigException;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.toy.ExperimentDefaults;
import org.mdlsae.toy.SyntheticData;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options shared by {@code toy experiment split} and {@code toy experiment tree} (defaults: {@link ExperimentDefaults}). */
final class ToyExperimentOptions {
    @Option(names = "--samples", paramLabel = "N", defaultValue = "" + ExperimentDefaults.SAMPLES,
            description = "Training rows (the evaluation set has as many, drawn separately; default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--d", paramLabel = "D", defaultValue = "" + ExperimentDefaults.D, description = "Input dimension (default: ${DEFAULT-VALUE}).")
    int d;

    @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0",
            description = "Gaussian noise per coordinate added to every row (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--sampling", paramLabel = "MODE", defaultValue = "exact",
            description = "exact: exactly round(N*P) rows per activity pattern; iid: independent draws (default: ${DEFAULT-VALUE}).")
    String sampling;

    @Option(names = "--fvu", paramLabel = "F", defaultValue = "" + ExperimentDefaults.FVU,
            description = "Tolerance as FVU, the same for every SAE compared (default: ${DEFAULT-VALUE}).")
    double fvu;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "" + ExperimentDefaults.EPOCHS,
            description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Master seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "cpu (default: deterministic, and the toys are tiny), opencl, cuda or auto.")
    String backend;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write a CSV and a PNG chart into DIR (a new directory, written atomically).")
    Path out;

    @Option(names = "--force", description = "Replace a toy output this engine wrote at --out.")
    boolean force;

    @Option(names = "--json", description = "Print only a JSON object on stdout (progress goes to stderr).")
    boolean json;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    SyntheticData.Sampling sampling(CommandSpec spec) {
        for (SyntheticData.Sampling s : SyntheticData.Sampling.values()) {
            if (s.id().equals(sampling.trim().toLowerCase(Locale.ROOT))) return s;
        }
        throw new ParameterException(spec.commandLine(), "--sampling must be exact or iid, got '" + sampling + "'");
    }

    /** One progress line per event on standard error, or nothing with {@code --quiet}. */
    Consumer<String> progress(CommandSpec spec) {
        if (quiet) return null;
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            err.println("mdlsae: " + line);
            err.flush();
        };
    }

    /** Builds a config; a refused value becomes a usage error naming its flag. */
    static <T> T config(CommandSpec spec, Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), Flags.message(e));
        }
    }

    /** Refuses data that would not fit one Java array or the heap (training and evaluation sets, and a copy). */
    void checkMemory() {
        long values = (long) samples * d;
        if (values > Resources.MAX_ARRAY) {
            throw new InputException("--samples " + samples + " with --d " + d + ": the data would hold " + values
                    + " values, more than one Java array holds (" + Resources.MAX_ARRAY + "); use fewer --samples or a smaller --d");
        }
        Resources.require(new Resources.Need(3 * 4 * values, 0, 4 * values), null, "fewer --samples or a smaller --d");
    }

    /**
     * Runs an experiment on the chosen back end with progress lines on standard error, after refusing data that would
     * not fit ({@link #checkMemory}).
     */
    <R> R run(CommandSpec spec, BiFunction<Backend, Consumer<String>, R> experiment) {
        checkMemory();
        try (Backend be = Backends.create(backend)) {
            return experiment.apply(be, progress(spec));
        }
    }

    /** With {@code --json}, prints the result with the files written and says so. */
    boolean printedJson(CommandSpec spec, Object result, List<Path> written) {
        if (json) Json.print(spec.commandLine().getOut(), Json.withFiles(result, written));
        return json;
    }

    /** A writer of result files that may fail with an IOException. */
    interface Writer {
        List<Path> write(Path dir) throws IOException;
    }

    /** Checks {@code --out} before any work (null when it is absent). */
    static OutputTarget target(Path out, boolean force) {
        return out == null ? null : OutputTarget.check("--out", out, OutputKind.TOY, OutputTarget.Mode.REPLACE, force);
    }

    /**
     * Publishes what {@code w} writes as the directory {@code t} (atomically; nothing when t is null) and returns the
     * final paths; a failure is the user's --out, exit 2.
     */
    static List<Path> writeOut(OutputTarget t, String what, Writer w) {
        if (t == null) return List.of();
        List<Path> written = new ArrayList<>();
        try {
            t.publish(tmp -> {
                for (Path p : w.write(tmp)) written.add(t.path().resolve(tmp.relativize(p)));
            });
        } catch (IOException e) {
            throw t.refusal("cannot write the " + what + " (" + e.getMessage() + "); give a writable directory");
        }
        return written;
    }
}
