package org.mdlsae.backend.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.mdlsae.backend.BackendException;

/**
 * The kernel sources packaged in the jar: {@code kernels/} under {@code org/mdlsae/kernels/} (OpenCL builds
 * them at run time) and the committed PTX {@code native/ptx/} under {@code org/mdlsae/ptx/} (CUDA loads it).
 */
public final class KernelSources {
    /** Kernel files in build order; each has a PTX twin {@code NAME.ptx}. A test checks the list is complete. */
    public static final List<String> FILES = List.of("gemm.cu", "topk.cu", "select.cu", "sparse.cu", "dense.cu",
            "formats.cu");

    static final String PRELUDE = "prelude.h";
    private static final String KERNEL_DIR = "/org/mdlsae/kernels/";
    private static final String PTX_DIR = "/org/mdlsae/ptx/";

    private KernelSources() {
    }

    /** The single OpenCL C program: the prelude followed by every kernel file, with #line markers for the build log. */
    public static String openClProgram() {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("#line 1 \"").append(PRELUDE).append("\"\n").append(text(KERNEL_DIR + PRELUDE));
        for (String f : FILES) {
            sb.append("\n#line 1 \"").append(f).append("\"\n").append(text(KERNEL_DIR + f));
        }
        return sb.toString();
    }

    /** The committed PTX of one kernel file, NUL-terminated as {@code cuModuleLoadData} wants it. */
    public static byte[] ptx(String kernelFile) {
        String name = kernelFile.replaceFirst("\\.cu$", ".ptx");
        byte[] b = bytes(PTX_DIR + name);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = KernelSources.class.getResourceAsStream(resource)) {
            if (in == null) throw new BackendException("kernels", "resource " + resource + " is not on the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BackendException("kernels", "cannot read " + resource + ": " + e.getMessage(), e);
        }
    }
}
