package org.mdlsae.data;

import java.io.Serializable;
import java.nio.file.Path;
import org.mdlsae.math.Rows;

/**
 * How to open the same rows again in another process (an executor of a cluster, docs/design.md §14): the data
 * argument as {@link DataSources#open} takes it, with an absolute path, and a row range. Serializable. Reopened rows
 * are of the same kind as the original (in memory or streamed, a range sliced by {@link HoldOut#slice}), so that
 * what depends on the kind — the control rows of the annealing search — is the same on both sides. A path must name
 * the same files wherever the spec is opened (a shared file system).
 *
 * @param source   {@code mnist}, or the absolute path of a file or shard directory
 * @param tensor   the safetensors tensor, or null
 * @param split    the mnist split, or null
 * @param cacheDir the mnist cache (absolute), or null for the default
 * @param inMemory whether files are loaded whole ({@code --in-memory}) rather than streamed
 * @param from     first row
 * @param to       end row (exclusive), or −1 for all rows
 */
public record DataSpec(String source, String tensor, String split, String cacheDir, boolean inMemory, long from, long to)
        implements Serializable {

    /**
     * The spec of a data argument, all rows.
     *
     * @param source   {@code mnist}, a file or a directory (made absolute here)
     * @param tensor   the safetensors tensor, or null
     * @param split    the mnist split, or null
     * @param cacheDir the mnist cache, or null
     * @param inMemory whether files are loaded whole
     * @return the spec
     */
    public static DataSpec of(String source, String tensor, String split, Path cacheDir, boolean inMemory) {
        boolean mnist = DataSources.MNIST.equalsIgnoreCase(source);
        return new DataSpec(mnist ? DataSources.MNIST : Path.of(source).toAbsolutePath().normalize().toString(), tensor,
                mnist ? split : null, mnist && cacheDir != null ? cacheDir.toAbsolutePath().toString() : null, inMemory,
                0, -1);
    }

    /**
     * The same rows streamed from their files (mnist stays in memory): for passes that read each row once, where loading
     * a whole file per task would only cost time (the values are the same).
     *
     * @return the spec
     */
    public DataSpec streamed() {
        return new DataSpec(source, tensor, split, cacheDir, false, from, to);
    }

    /**
     * Rows {@code [a, b)} of the rows this spec names.
     *
     * @param a first row, relative to this spec's rows
     * @param b end row, relative to this spec's rows
     * @return the narrower spec
     */
    public DataSpec range(long a, long b) {
        if (a < 0 || b < a || (to >= 0 && from + b > to)) {
            throw new IllegalArgumentException("rows " + a + " to " + b + " are not inside " + this);
        }
        return new DataSpec(source, tensor, split, cacheDir, inMemory, from + a, from + b);
    }

    /** The rows, open; close to release the files. */
    public interface Open extends AutoCloseable {
        /** @return the rows */
        Rows rows();

        @Override
        void close();
    }

    /**
     * Opens the rows.
     *
     * @return the open rows
     * @throws org.mdlsae.InputException as {@link DataSources#open}
     */
    public Open open() {
        Rows all = DataSources.open(source, tensor, split, cacheDir == null ? null : Path.of(cacheDir), inMemory);
        long end = to < 0 ? all.rowCount() : to;
        Rows rows = from == 0 && end == all.rowCount() ? all : HoldOut.slice(all, from, end);
        return new Open() {
            @Override
            public Rows rows() {
                return rows;
            }

            @Override
            public void close() {
                if (all instanceof ShardSet s) s.close();
            }
        };
    }
}
