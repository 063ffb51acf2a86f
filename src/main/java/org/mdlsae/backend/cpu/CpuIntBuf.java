package org.mdlsae.backend.cpu;

import org.mdlsae.backend.IntBuf;

/** An int buffer on the Java heap. */
public final class CpuIntBuf implements IntBuf {
    final int[] a;

    CpuIntBuf(int[] a) {
        this.a = a;
    }

    /** The backing array (shared, not copied): the CPU back end's zero-copy view. */
    public int[] array() {
        return a;
    }

    @Override
    public long length() {
        return a.length;
    }

    @Override
    public void close() {
    }
}
