package org.mdlsae.backend;

/**
 * Result of probing for a back end, made once per JVM and cached by the probing class.
 *
 * @param available whether the back end can be created
 * @param detail    device name when available, otherwise one line saying why not
 */
public record Availability(boolean available, String detail) {
    public static Availability yes(String device) {
        return new Availability(true, device);
    }

    public static Availability no(String why) {
        return new Availability(false, why);
    }
}
