package org.mdlsae.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.mdlsae.InputException;

/**
 * Reader for NumPy {@code .npz} archives ({@code np.savez}: a zip of {@code NAME.npy} members, stored or
 * deflated). Each member is parsed by {@link Npy#parse}; its size is checked against the central directory
 * before it is read, so a lying archive gives an {@link InputException}, never an out-of-memory error.
 */
public final class Npz {
    /** Largest member read (bytes): 2^31 − 64, the most a Java array holds. */
    private static final long MAX_MEMBER = Integer.MAX_VALUE - 64L;

    private Npz() {
    }

    /**
     * Reads every array of an archive.
     *
     * @param file the {@code .npz} file
     * @return member name without {@code .npy} → array, in archive order
     * @throws InputException if the file is missing, not a zip, or holds something other than float arrays
     */
    public static Map<String, Npy.Array> read(Path file) {
        if (!Files.isRegularFile(file)) throw new InputException("file not found: " + file);
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) continue;
                String name = e.getName();
                if (!name.endsWith(".npy")) {
                    throw new InputException(file + ": member '" + name + "' is not an .npy array; an .npz written by "
                            + "np.savez holds only NAME.npy members");
                }
                long size = e.getSize();
                if (size < 0 || size > MAX_MEMBER) {
                    throw new InputException(file + ": member '" + name + "' declares " + size + " bytes; split the archive");
                }
                byte[] bytes = new byte[(int) size];
                try (InputStream in = zip.getInputStream(e)) {
                    int got = in.readNBytes(bytes, 0, bytes.length);
                    if (got != bytes.length || in.read() != -1) {
                        throw new InputException(file + ": member '" + name + "' does not hold the " + size
                                + " bytes its header declares; re-save it with np.savez");
                    }
                }
                String key = name.substring(0, name.length() - 4);
                if (out.put(key, Npy.parse(file.getFileName() + ":" + name, bytes)) != null) {
                    throw new InputException(file + ": array '" + key + "' appears twice");
                }
            }
        } catch (ZipException e) {
            throw new InputException(file + ": not a valid .npz (zip) archive (" + e.getMessage() + "); re-save it with np.savez");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return out;
    }
}
