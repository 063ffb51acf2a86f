package org.mdlsae.cli;

import java.nio.file.Path;
import org.mdlsae.InputException;
import org.mdlsae.data.Cache;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;
import picocli.CommandLine.Option;

/** {@code --data}, {@code --tensor}, {@code --split}, {@code --cache}: where activations come from. */
public final class DataOptions {
    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "'mnist' (fetched on first use) or a file: .npy, safetensors, or IDX (optionally gzipped); "
                    + "the type is read from the file's contents.")
    String data;

    @Option(names = "--tensor", paramLabel = "NAME", description = "Tensor to use from a safetensors file holding several.")
    String tensor;

    @Option(names = "--split", paramLabel = "train|test",
            description = "MNIST split (mnist only; a file is used whole).")
    String split;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Download cache (default: $MDLSAE_CACHE, else the user cache directory).")
    Path cache;

    /**
     * Loads the data, with {@code defaultSplit} for mnist when --split is absent.
     *
     * @param defaultSplit  the mnist split used when --split is absent
     * @param otherSources  the command's other data sources (null entries allowed): --cache is refused unless one of
     *                      them or --data is mnist, since it would be ignored
     */
    Dataset load(String defaultSplit, String... otherSources) {
        if (split != null && !split.equals("train") && !split.equals("test")) {
            throw new InputException("--split must be train or test, got '" + split + "'");
        }
        boolean mnist = "mnist".equalsIgnoreCase(data);
        if (cache != null && !mnist && java.util.Arrays.stream(otherSources).noneMatch("mnist"::equalsIgnoreCase)) {
            throw new InputException("--cache applies to mnist only (its download cache); no source here is mnist: drop --cache");
        }
        String s = split != null ? split : (mnist ? defaultSplit : null);
        return DataSources.load(data, tensor, s, Cache.orDefault(cache));
    }

    /** Loads another role's data (e.g. --calib) from the same options but another source. */
    Dataset loadOther(String source, String defaultSplit) {
        boolean mnist = "mnist".equalsIgnoreCase(source);
        return DataSources.load(source, tensor, mnist ? defaultSplit : null, Cache.orDefault(cache));
    }

    /**
     * The quantiser's calibration data for a command that measures on {@code eval} (docs/design.md §13 follows
     * {@code dl}): {@code --calib} if given; else mnist's train split (the command then measures on test); else the
     * data file itself.
     */
    Dataset loadCalibration(String calib, Dataset eval, String command) {
        if (calib != null) return loadOther(calib, "train");
        if (!isMnist()) return eval;
        if (split != null && !split.equals("test")) {
            throw new InputException("--split " + split + ": " + command + " calibrates on mnist train and measures on test; "
                    + "drop --split or pass --calib");
        }
        return loadOther("mnist", "train");
    }

    boolean isMnist() {
        return "mnist".equalsIgnoreCase(data);
    }

    String source() {
        return data;
    }
}
