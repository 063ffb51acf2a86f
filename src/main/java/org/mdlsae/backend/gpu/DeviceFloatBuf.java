package org.mdlsae.backend.gpu;

import org.mdlsae.backend.FloatBuf;

/** A float array in device memory; see {@link DeviceBuf}. */
public final class DeviceFloatBuf extends DeviceBuf implements FloatBuf {
    DeviceFloatBuf(KernelBackend owner, long length, Object handle) {
        super(owner, length, handle);
    }

    @Override
    public String toString() {
        return "DeviceFloatBuf[" + length + (closed() ? ", closed]" : "]");
    }
}
