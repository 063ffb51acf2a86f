package org.mdlsae.data;

import java.nio.file.Path;

/**
 * Where downloaded data is kept. The first of these that is set wins:
 * <ol>
 *   <li>the system property {@code mdlsae.cache};</li>
 *   <li>the environment variable {@code MDLSAE_CACHE};</li>
 *   <li>{@code $XDG_CACHE_HOME/mdlsae};</li>
 *   <li>{@code ~/.cache/mdlsae}.</li>
 * </ol>
 * The directory is created when something is first written to it.
 */
public final class Cache {
    /** System property that overrides the cache directory. */
    public static final String PROPERTY = "mdlsae.cache";
    /** Environment variable that overrides the cache directory. */
    public static final String ENV = "MDLSAE_CACHE";

    private Cache() {
    }

    /** @return the default cache directory (see the class comment) */
    public static Path dir() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "mdlsae");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "mdlsae");
    }

    /**
     * @param dir a directory, or {@code null}
     * @return {@code dir}, or {@link #dir()} when it is null
     */
    public static Path orDefault(Path dir) {
        return dir != null ? dir : dir();
    }
}
