package org.mdlsae.backend.gpu;

import org.mdlsae.backend.IntBuf;

/** An int array in device memory; see {@link DeviceBuf}. */
public final class DeviceIntBuf extends DeviceBuf implements IntBuf {
    DeviceIntBuf(KernelBackend owner, long length, Object handle) {
        super(owner, length, handle);
    }

    @Override
    public String toString() {
        return "DeviceIntBuf[" + length + (closed() ? ", closed]" : "]");
    }
}
