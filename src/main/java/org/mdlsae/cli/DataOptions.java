package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.mdlsae.InputException;
import org.mdlsae.data.Cache;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.DataSpec;
import org.mdlsae.data.ShardSet;
import org.mdlsae.math.Rows;
import picocli.CommandLine.Option;

/**
 * {@code --data}, {@code --tensor}, {@code --split}, {@code --cache}, {@code --in-memory}: where activations come from
 * (docs/design.md §8). Files and directories are streamed; the command closes what it opened with {@link #close}.
 */
public final class DataOptions implements AutoCloseable {
    @Option(names = "--data", required = true, paramLabel = "SOURCE",
            description = "'mnist' (fetched on first use), a file (.npy, safetensors, or IDX, optionally gzipped; the type "
                    + "is read from the contents), or a directory whose *.npy and *.safetensors shards, in file-name "
                    + "order, hold the rows (other files are ignored). Files and directories are streamed from disk.")
    String data;

    @Option(names = "--tensor", paramLabel = "NAME",
            description = "Tensor to use from safetensors files (shards) holding several.")
    String tensor;

    @Option(names = "--split", paramLabel = "train|test",
            description = "MNIST split (mnist only; a file is used whole).")
    String split;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Download cache (default: $MDLSAE_CACHE, else the user cache directory).")
    Path cache;

    @Option(names = "--in-memory",
            description = "Load a file or directory whole into the heap (at most 2^31 - 8 values) instead of streaming it; "
                    + "training then shuffles it exactly every epoch, as with mnist.")
    boolean inMemory;

    private final List<Rows> opened = new ArrayList<>();
    private final Map<Rows, DataSpec> specs = new IdentityHashMap<>();

    /**
     * Opens the data, with {@code defaultSplit} for mnist when --split is absent.
     *
     * @param defaultSplit the mnist split used when --split is absent
     * @param otherSources the command's other data sources (null entries allowed): --cache is refused unless one of
     *                     them or --data is mnist, and --in-memory unless one of them or --data is a file or
     *                     directory, since it would be ignored
     * @return the rows (closed by {@link #close})
     */
    Rows open(String defaultSplit, String... otherSources) {
        if (split != null && !split.equals("train") && !split.equals("test")) {
            throw new InputException("--split must be train or test, got '" + split + "'");
        }
        boolean mnist = isMnist();
        if (cache != null && !mnist && Arrays.stream(otherSources).noneMatch("mnist"::equalsIgnoreCase)) {
            throw new InputException("--cache applies to mnist only (its download cache); no source here is mnist: drop --cache");
        }
        if (inMemory && mnist && Arrays.stream(otherSources).allMatch(o -> o == null || "mnist".equalsIgnoreCase(o))) {
            throw new InputException("--in-memory applies to files and directories (mnist is always in memory); drop --in-memory");
        }
        String s = split != null ? split : (mnist ? defaultSplit : null);
        return keep(data, s);
    }

    /** Opens another role's data (e.g. --calib, --eval) with the same options but another source. */
    Rows openOther(String source, String defaultSplit) {
        boolean mnist = "mnist".equalsIgnoreCase(source);
        return keep(source, mnist ? defaultSplit : null);
    }

    /**
     * The quantiser's calibration data for a command that measures on {@code eval} (dl, compress, compare):
     * {@code --calib} if given; else mnist's train split (the command then measures on test); else the data itself.
     */
    Rows openCalibration(String calib, Rows eval, String command) {
        if (calib != null) return openOther(calib, "train");
        if (!isMnist()) return eval;
        if (split != null && !split.equals("test")) {
            throw new InputException("--split " + split + ": " + command + " calibrates on mnist train and measures on test; "
                    + "drop --split or pass --calib");
        }
        return openOther("mnist", "train");
    }

    private Rows keep(String source, String split) {
        Rows r = DataSources.open(source, tensor, split, Cache.orDefault(cache), inMemory);
        opened.add(r);
        specs.put(r, DataSpec.of(source, tensor, split, Cache.orDefault(cache), inMemory));
        return r;
    }

    /**
     * How another process opens rows these options opened (a cluster's executors, docs/design.md §14).
     *
     * @param rows rows returned by {@link #open}, {@link #openOther} or {@link #openCalibration}
     * @return their spec
     */
    DataSpec spec(Rows rows) {
        DataSpec s = specs.get(rows);
        if (s == null) throw new IllegalArgumentException(rows.name() + " was not opened by these options");
        return s;
    }

    boolean isMnist() {
        return "mnist".equalsIgnoreCase(data);
    }

    String source() {
        return data;
    }

    /** Closes the shard sets opened through these options. */
    @Override
    public void close() {
        for (Rows r : opened) if (r instanceof ShardSet s) s.close();
        opened.clear();
    }
}
