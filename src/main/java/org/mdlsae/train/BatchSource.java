package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;

/**
 * Where the trainer's batches come from (docs/design.md §9). On a device back end the data set is copied to the
 * device once and each batch is gathered there ({@link Backend#gatherRows}) from the epoch's permutation, which is
 * uploaded once per epoch: no per-step host gather and no per-step host-to-device copy of the batch. On the CPU back
 * end (whose buffers are host memory, so a resident copy would only double the memory), or when the data does not
 * fit one device buffer, rows are gathered on the host and written. Both give the same batch, bit for bit.
 */
final class BatchSource implements AutoCloseable {
    private final Backend be;
    private final float[] x;
    private final int d;
    private final FloatBuf resident;
    private final IntBuf order;
    private final float[] staging;

    private BatchSource(Backend be, float[] x, int d, FloatBuf resident, IntBuf order, float[] staging) {
        this.be = be;
        this.x = x;
        this.d = d;
        this.resident = resident;
        this.order = order;
        this.staging = staging;
    }

    /** A source for n×d host data and batches of at most {@code maxRows} rows. */
    static BatchSource of(Backend be, float[] x, int n, int d, int maxRows) {
        if (!be.hostMemory() && (long) n * d <= Integer.MAX_VALUE - 8) {
            FloatBuf data = null;
            try {
                data = be.upload(x);
                return new BatchSource(be, x, d, data, be.ints(n), null);
            } catch (BackendException e) {
                // too large for the device (or for one buffer there): gather on the host instead
                if (data != null) data.close();
            }
        }
        return new BatchSource(be, x, d, null, null, new float[maxRows * d]);
    }

    /** Starts an epoch that visits the rows in the order of {@code perm}. */
    void epoch(int[] perm) {
        if (resident != null) be.write(order, 0, perm, 0, perm.length);
    }

    /** Loads rows perm[from .. from + rows) of the data into {@code xb}. */
    void load(int[] perm, int from, int rows, FloatBuf xb) {
        if (resident != null) {
            be.gatherRows(resident, order, from, rows, d, xb);
            return;
        }
        for (int r = 0; r < rows; r++) System.arraycopy(x, perm[from + r] * d, staging, r * d, d);
        be.write(xb, 0, staging, 0, rows * d);
    }

    @Override
    public void close() {
        if (resident != null) {
            resident.close();
            order.close();
        }
    }
}
