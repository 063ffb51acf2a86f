package org.mdlsae.data;

import java.io.Serializable;
import java.nio.file.Path;
import org.mdlsae.math.Rows;

/**
 * How to open the same rows again in another process (an executor of a cluster, docs/design.md §14): the data
 * argument as {@link DataSources#open} takes it, with an absolute path, and a row range. Serializable. Files and
 * directories are always streamed when reopened; the values, and so every figure computed from them, are the same as
 * in memory (docs/design.md §8). A path must name the same files wherever the spec is opened (a shared file system).
 *
 * @param source   {@code mnist}, or the absolute path of a file or shard directory
 * @param tensor   the safetensors tensor, or null
 * @param split    the mnist split, or null
 * @param cacheDir the mnist cache (absolute), or null for the default
 * @param from     first row
 * @param to       end row (exclusive), or −1 for all rows
 */
public record DataSpec(String source, String tensor, String split, String cacheDir, long from, long to)
        implements Serializable {

    /**
     * The spec of a data argument, all rows.
     *
     * @param source   {@code mnist}, a file or a directory (made absolute here)
     * @param tensor   the safetensors tensor, or null
     * @param split    the mnist split, or null
     * @param cacheDir the mnist cache, or null
     * @return the spec
     */
    public static DataSpec of(String source, String tensor, String split, Path cacheDir) {
        boolean mnist = DataSources.MNIST.equalsIgnoreCase(source);
        return new DataSpec(mnist ? DataSources.MNIST : Path.of(source).toAbsolutePath().normalize().toString(), tensor,
                mnist ? split : null, mnist && cacheDir != null ? cacheDir.toAbsolutePath().toString() : null, 0, -1);
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
        return new DataSpec(source, tensor, split, cacheDir, from + a, from + b);
    }

    /** The rows, open; close to release the files. */
    public interface Open extends AutoCloseable {
        /** @return the rows */
        Rows rows();

        @Override
        void close();
    }

    /**
     * Opens the rows (streamed for files and directories).
     *
     * @return the open rows
     * @throws org.mdlsae.InputException as {@link DataSources#open}
     */
    public Open open() {
        Rows all = DataSources.open(source, tensor, split, cacheDir == null ? null : Path.of(cacheDir), false);
        Rows rows = Rows.range(all, from, to < 0 ? all.rowCount() : to);
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
