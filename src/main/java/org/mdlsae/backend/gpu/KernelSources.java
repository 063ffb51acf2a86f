package org.mdlsae.backend.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.mdlsae.backend.BackendException;

/**
 * The kernel sources packaged in the jar: {@code kernels/} under {@code org/mdlsae/kernels/} (OpenCL builds
 * them at run time) and the committed PTX module {@code native/ptx/mdlsae.ptx} under {@code org/mdlsae/ptx/}
 * (CUDA loads it). Both are made from the same text: the files of {@code kernels/files.txt} in order.
 */
public final class KernelSources {
    static final String PRELUDE = "prelude.h";
    private static final String KERNEL_DIR = "/org/mdlsae/kernels/";
    private static final String PTX_RESOURCE = "/org/mdlsae/ptx/mdlsae.ptx";

    /** Kernel files in build order ({@code kernels/files.txt}); a test checks the list is complete. */
    public static final List<String> FILES = fileList();

    private static List<String> fileList() {
        return text(KERNEL_DIR + "files.txt").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

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

    /** The committed PTX module (every kernel), NUL-terminated as {@code cuModuleLoadData} wants it. */
    public static byte[] ptx() {
        byte[] b = bytes(PTX_RESOURCE);
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
