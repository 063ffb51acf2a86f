package org.mdlsae.data;

import org.mdlsae.InputException;
import org.mdlsae.math.Rows;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n × d matrix of float32 samples, row-major: sample {@code i} is {@code data[i*dim .. (i+1)*dim)}.
 *
 * <p>As {@link Rows} it is the in-memory kind of data: training shuffles it exactly every epoch, and chunked readers
 * are lent its array (docs/design.md §8). Treat it as immutable: every method returns fresh arrays, and nothing in the engine writes into
 * {@link #data()} (the array is shared rather than copied, to keep large data sets cheap).
 *
 * @param name a short label for messages and reports (e.g. {@code mnist-train} or a file name)
 * @param rows number of samples n
 * @param dim  number of features d
 * @param data n·d values, row-major
 */
public record Dataset(String name, int rows, int dim, float[] data) implements Rows {
    /**
     * Checks the sizes.
     *
     * @param name a label
     * @param rows number of samples
     * @param dim number of features
     * @param data the values, row-major
     */
    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        if (rows < 0 || dim < 0 || (long) rows * dim != data.length) {
            throw new IllegalArgumentException("dataset " + name + ": " + rows + "×" + dim + " needs "
                    + (long) rows * dim + " values, got " + data.length);
        }
    }

    /**
     * Builds a data set from rows (copied).
     *
     * @param name a label
     * @param rows the samples, all of the same length
     * @return the data set
     */
    public static Dataset ofRows(String name, float[][] rows) {
        int d = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + d);
            }
            System.arraycopy(rows[i], 0, data, i * d, d);
        }
        return new Dataset(name, rows.length, d, data);
    }

    @Override
    public long rowCount() {
        return rows;
    }

    @Override
    public void read(long row0, int n, float[] dst, int off) {
        Rows.of(name, data, rows, dim).read(row0, n, dst, off);
    }

    @Override
    public void forEachChunk(int chunkRows, ChunkVisitor v) {
        Rows.of(name, data, rows, dim).forEachChunk(chunkRows, v);
    }

    /**
     * A copy of one sample.
     *
     * @param i row index
     * @return its d values
     */
    public float[] row(int i) {
        Objects.checkIndex(i, rows);
        return Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
    }

    /**
     * Rows {@code [from, to)} as a new data set.
     *
     * @param from first row (inclusive)
     * @param to   last row (exclusive)
     * @return the copy
     */
    public Dataset slice(int from, int to) {
        Objects.checkFromToIndex(from, to, rows);
        return new Dataset(name, to - from, dim, Arrays.copyOfRange(data, from * dim, to * dim));
    }

    /**
     * The given rows, in the given order (repeats allowed), as a new data set.
     *
     * @param indices row indices
     * @return the copy
     */
    public Dataset select(int[] indices) {
        float[] out = new float[Math.multiplyExact(indices.length, dim)];
        for (int k = 0; k < indices.length; k++) {
            int i = Objects.checkIndex(indices[k], rows);
            System.arraycopy(data, i * dim, out, k * dim, dim);
        }
        return new Dataset(name, indices.length, dim, out);
    }

    /**
     * The same data under another name.
     *
     * @param newName the label
     * @return a data set sharing this one's array
     */
    public Dataset withName(String newName) {
        return new Dataset(newName, rows, dim, data);
    }

    /**
     * Rejects NaN and infinite values.
     *
     * @param source what to name in the message (a file, a flag)
     * @return this, for chaining
     * @throws InputException naming the source and the first bad row and column
     */
    public Dataset validate(String source) {
        for (int k = 0; k < data.length; k++) {
            float v = data[k];
            if (!Float.isFinite(v)) {
                int r = k / dim;
                int c = k % dim;
                throw new InputException(source + ": row " + r + ", column " + c + " is " + v
                        + "; remove or replace non-finite values (e.g. np.nan_to_num) before using the data");
            }
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset d && name.equals(d.name) && rows == d.rows && dim == d.dim
                && Arrays.equals(data, d.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, rows, dim, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + rows + "×" + dim + "]";
    }
}
