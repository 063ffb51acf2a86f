package org.mdlsae.backend.cpu;

import org.mdlsae.backend.SparseCode;

/**
 * The active entries of a CSR code regrouped by latent (a counting sort, O(nnz + D)), so that scatter-adds
 * into per-latent rows have exactly one writer per row and run in a fixed order: parallel and deterministic.
 */
final class Columns {
    final int[] start; // width + 1 offsets
    final int[] row;   // sample of each active entry, ascending within a latent
    final int[] entry; // position of the entry in the CSR arrays

    private Columns(int[] start, int[] row, int[] entry) {
        this.start = start;
        this.row = row;
        this.entry = entry;
    }

    static Columns of(SparseCode z, int[] rowPtr, int[] idx, float[] val) {
        int width = z.width();
        int[] start = new int[width + 1];
        int active = 0;
        for (int q = 0; q < z.nnz(); q++) {
            if (val[q] != 0f) {
                start[idx[q] + 1]++;
                active++;
            }
        }
        for (int j = 0; j < width; j++) start[j + 1] += start[j];
        int[] fillPos = start.clone();
        int[] row = new int[active];
        int[] entry = new int[active];
        for (int r = 0; r < z.n(); r++) {
            for (int q = rowPtr[r]; q < rowPtr[r + 1]; q++) {
                if (val[q] == 0f) continue;
                int p = fillPos[idx[q]]++;
                row[p] = r;
                entry[p] = q;
            }
        }
        return new Columns(start, row, entry);
    }

    /**
     * Latent boundaries cutting [0, width) into {@code chunks} ranges of about equal entry counts (so a few very
     * active latents do not leave one thread with most of a scatter). Depends only on the code, not on threads.
     */
    int[] balanced(int chunks) {
        int width = start.length - 1;
        long total = start[width];
        int[] b = new int[chunks + 1];
        int j = 0;
        for (int c = 1; c < chunks; c++) {
            long target = total * c / chunks;
            while (j < width && start[j] < target) j++;
            b[c] = j;
        }
        b[chunks] = width;
        return b;
    }
}
