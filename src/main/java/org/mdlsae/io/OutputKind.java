package org.mdlsae.io;

import java.util.List;

/**
 * Every kind of output the engine writes, and how the engine recognises it again (docs/design.md §6).
 *
 * <p>A <b>directory</b> the engine writes carries a marker file {@value Ownership#MARKER} holding
 * {@code {"written_by": "mdlsae", "kind": ID, "entries": [GLOB, ...]}}: its kind and the top-level names the
 * engine put (or may put) there. A directory published in one piece ({@link AtomicFiles#publishDirectory}) lists
 * exactly what its filler wrote; a directory filled over time (a sweep) lists the names its kind declares here.
 * Every sub-directory the engine creates carries its own marker. A <b>file</b> the engine writes starts with a
 * recognisable header: binary kinds with {@link #magic()} bytes, JSON kinds with the fields
 * {@code "written_by": "mdlsae"} and {@code "kind": ID} first.
 *
 * <p>To add a kind: add a constant here (a directory kind that is filled over time lists the names it writes), and
 * write it through {@link OutputTarget}. A command that adds a new file name to an existing kind's directory adds
 * the name to that kind's list, or the directory no longer verifies as the engine's and {@code --force} refuses it.
 */
public enum OutputKind {
    /** An SAE directory (cfg.json + sae_weights.safetensors); a sweep adds run.json to its run directories. */
    SAE("sae", "an SAE", Shape.DIRECTORY, null, "run.json"),
    /** A sweep directory, filled run by run. */
    SWEEP("sweep", "a sweep", Shape.DIRECTORY, null, "sweep.json", "sweep.lock", "results.json", "results.csv", "report.html",
            "runs"),
    /**
     * A sweep's {@code runs/} directory: one SAE directory per run ({@code w{D}-k{k}} bisecting, {@code w{D}-anneal}
     * annealing), and the unfinished runs' checkpoints.
     */
    SWEEP_RUNS("sweep-runs", "a sweep's runs", Shape.DIRECTORY, null, "w*-k*", "w*-anneal", "w*-anneal.checkpoint"),
    /** The checkpoint of an unfinished training run (weights, optimiser and data-order state). */
    CHECKPOINT("checkpoint", "a training checkpoint", Shape.DIRECTORY, null),
    /** The CSV tables and PNG charts of a theory toy. */
    TOY("toy", "a toy's tables and charts", Shape.DIRECTORY, null),
    /** The data, initial weights and codes {@code mdlsae bench --export} writes for the Python peers. */
    BENCH_EXPORT("bench-export", "a bench export", Shape.DIRECTORY, null, "*.npy", "dl"),
    /** The JSON results of {@code mdlsae bench --out FILE}. */
    BENCH("bench", "bench results", Shape.JSON_FILE, null),
    /**
     * A file of the compression codec (docs/design.md §13): it begins with the 8 bytes of {@link #magic()}
     * ({@code "MDLSAEZ"} and a format version byte).
     */
    COMPRESSED("compressed", "a compressed file", Shape.BINARY_FILE, new byte[] {'M', 'D', 'L', 'S', 'A', 'E', 'Z', 1}),
    /**
     * The {@code .npy} reconstruction {@code mdlsae decompress} writes. numpy's header admits no field of ours, so an
     * existing {@code .npy} file never verifies as the engine's: it is never replaced; only a new path or an empty file
     * is written.
     */
    RECONSTRUCTION("reconstruction", "a decompressed reconstruction", Shape.BINARY_FILE, null);

    /** How a kind is stored. */
    public enum Shape {
        /** A directory with a marker file. */
        DIRECTORY,
        /** A JSON object whose first fields are {@code "written_by": "mdlsae"} and {@code "kind"}. */
        JSON_FILE,
        /** A binary file that starts with {@link #magic()}. */
        BINARY_FILE
    }

    private final String id;
    private final String label;
    private final Shape shape;
    private final byte[] magic;
    private final List<String> entries;

    OutputKind(String id, String label, Shape shape, byte[] magic, String... entries) {
        this.id = id;
        this.label = label;
        this.shape = shape;
        this.magic = magic;
        this.entries = List.of(entries);
    }

    /** The id written into markers and JSON headers (e.g. {@code "sweep"}). */
    public String id() {
        return id;
    }

    /** How messages name an output of this kind, with its article (e.g. "an SAE"). */
    public String label() {
        return label;
    }

    /** Directory or which kind of file. */
    public Shape shape() {
        return shape;
    }

    /** True for directory kinds. */
    public boolean isDirectory() {
        return shape == Shape.DIRECTORY;
    }

    /**
     * The names (globs over one path component) a directory of this kind may hold besides what was published with it:
     * everything for a directory filled over time, additions for a published one.
     */
    public List<String> entries() {
        return entries;
    }

    /** The first bytes of a binary file of this kind (a copy); empty for other kinds. */
    public byte[] magic() {
        return magic == null ? new byte[0] : magic.clone();
    }

    /** The kind with this id, or null. */
    public static OutputKind byId(String id) {
        for (OutputKind k : values()) if (k.id.equals(id)) return k;
        return null;
    }
}
