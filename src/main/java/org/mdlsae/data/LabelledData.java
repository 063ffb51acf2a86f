package org.mdlsae.data;

import java.util.Objects;

/**
 * Samples with one integer class label each (MNIST digits, IDX label files).
 *
 * @param data   the samples
 * @param labels {@code data.rows()} labels
 */
public record LabelledData(Dataset data, int[] labels) {
    /**
     * Checks the label count.
     *
     * @param data the samples
     * @param labels one label per sample
     */
    public LabelledData {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(labels, "labels");
        if (labels.length != data.rows()) {
            throw new IllegalArgumentException(data.rows() + " samples but " + labels.length + " labels");
        }
    }

    /**
     * The given rows with their labels.
     *
     * @param indices row indices
     * @param name    label of the new data set
     * @return the copy
     */
    public LabelledData select(int[] indices, String name) {
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            l[k] = labels[Objects.checkIndex(indices[k], labels.length)];
        }
        return new LabelledData(data.select(indices).withName(name), l);
    }

    /** @return the number of samples */
    public int size() {
        return labels.length;
    }
}
