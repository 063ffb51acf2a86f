package org.mdlsae.backend.cpu;

/** Per-row top-k selection of ReLU values (the CPU twin of the kernel's selection stage). */
final class TopK {
    private TopK() {
    }

    /**
     * Writes the k largest positive values of p[off .. off+width) (eligible latents only when mask is non-null)
     * in descending order, ties to the lower index, padding with (0, 0).
     */
    static void row(float[] p, int off, int width, int k, int[] mask, int[] outIdx, float[] outVal, int outOff) {
        int filled = 0;
        float floor = 0f; // a candidate must beat this: 0 until the list is full, then the k-th value
        for (int j = 0; j < width; j++) {
            float v = p[off + j];
            if (!(v > floor)) continue; // also drops NaN, as the kernels do
            if (mask != null && mask[j] == 0) continue;
            // insertion point: after every kept value ≥ v, so equal values keep index order
            int pos = filled < k ? filled : k - 1;
            while (pos > 0 && outVal[outOff + pos - 1] < v) pos--;
            int last = filled < k ? filled : k - 1;
            for (int q = last; q > pos; q--) {
                outVal[outOff + q] = outVal[outOff + q - 1];
                outIdx[outOff + q] = outIdx[outOff + q - 1];
            }
            outVal[outOff + pos] = v;
            outIdx[outOff + pos] = j;
            if (filled < k) filled++;
            if (filled == k) floor = outVal[outOff + k - 1];
        }
        for (int q = filled; q < k; q++) {
            outVal[outOff + q] = 0f;
            outIdx[outOff + q] = 0;
        }
    }
}
