package org.mdlsae.codec;

import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mdlsae.InputException;

/**
 * zstd through zstd-jni, found at run time (docs/design.md §13): the library bundles native code for every platform
 * (7.4 MB, a third of the engine's jar), so it is not part of the core jar. It is used when it is on the class path,
 * or from a jar named by {@code --zstd-jar} or {@code $MDLSAE_ZSTD_JAR}; otherwise the comparison says zstd was not
 * measured.
 */
public final class Zstd {
    /** The level used (zstd's highest standard level). */
    public static final int LEVEL = 19;
    private final Method compress;

    private Zstd(Method compress) {
        this.compress = compress;
    }

    /**
     * zstd-jni from the class path, or from {@code jar} (or $MDLSAE_ZSTD_JAR when jar is null).
     *
     * @param jar a zstd-jni jar, or null
     * @return the compressor, or null when zstd-jni is not available
     * @throws InputException if {@code jar} is given but is not a usable zstd-jni jar
     */
    public static Zstd find(Path jar) {
        Path file = jar;
        if (file == null && System.getenv("MDLSAE_ZSTD_JAR") != null) file = Path.of(System.getenv("MDLSAE_ZSTD_JAR"));
        try {
            ClassLoader loader = Zstd.class.getClassLoader();
            if (file != null) {
                if (!Files.isRegularFile(file)) throw new InputException("--zstd-jar " + file + ": no such file; give the zstd-jni jar");
                loader = new URLClassLoader(new URL[] {file.toUri().toURL()}, loader);
            }
            Class<?> c = Class.forName("com.github.luben.zstd.Zstd", true, loader);
            return new Zstd(c.getMethod("compress", byte[].class, int.class));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            if (file != null) throw new InputException("--zstd-jar " + file + ": not a zstd-jni jar (" + e.getMessage() + ")");
            return null;
        } catch (MalformedURLException e) {
            throw new InputException("--zstd-jar " + file + ": " + e.getMessage());
        } catch (LinkageError e) {
            throw new InputException("--zstd-jar " + file + ": zstd-jni cannot load here (" + e + ")");
        }
    }

    /**
     * Compressed size of {@code b} at {@link #LEVEL}.
     *
     * @param b the bytes
     * @return their zstd size in bytes
     */
    public long size(byte[] b) {
        try {
            return ((byte[]) compress.invoke(null, b, LEVEL)).length;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new InputException("zstd-jni failed on this platform (" + e + "); leave zstd out of the comparison");
        }
    }
}
