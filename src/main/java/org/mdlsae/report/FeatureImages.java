package org.mdlsae.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Renders dictionary vectors of image-shaped data (e.g. MNIST decoder rows, d = 28²) as one PNG grid of
 * small tiles, for reports.
 *
 * <p>Each feature is drawn with a blue–white–red diverging colour map normalised per feature by its
 * largest absolute weight: {@code w = +max|w|} is pure red, {@code 0} is white, {@code w = −max|w|} is
 * pure blue, linear in between. A feature that is all zeros (or non-finite) is drawn white. Pixel
 * {@code p} of a feature (row-major, {@code p = y·side + x}) becomes a {@code scale × scale} block at
 * tile column {@code x}, tile row {@code y}. Tiles are laid out left to right, top to bottom, separated
 * and framed by {@value #GAP}-pixel grey lines; unused cells of the last grid row stay grey.
 *
 * <p>Rendering is headless: the class sets {@code java.awt.headless=true} before it touches AWT.
 */
public final class FeatureImages {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Width in pixels of the lines between (and around) tiles. */
    public static final int GAP = 1;

    /** RGB of the lines between tiles and of empty cells. */
    public static final int GAP_RGB = 0x9a9a9a;

    /** RGB of a dead feature's tile. */
    public static final int DEAD_RGB = 0xdddddd;

    /** RGB of the cross on a dead feature's tile. */
    public static final int DEAD_CROSS_RGB = 0xcc3333;

    private FeatureImages() {
    }

    /**
     * Renders the first {@code count} rows of a row-major {@code rows} matrix as a PNG grid.
     *
     * @param rows    at least {@code count·d} values; row {@code j} (values {@code j·d … j·d+d−1}) is feature j
     * @param count   number of features to draw (≥ 1)
     * @param d       length of one row; must equal {@code side²}
     * @param side    tile side in data pixels (28 for MNIST)
     * @param columns tiles per grid row (≥ 1; fewer are used when {@code count < columns})
     * @param scale   upscaling factor (≥ 1): each data pixel becomes {@code scale × scale} image pixels
     * @return PNG bytes of an image {@link #gridWidth gridWidth} × {@link #gridHeight gridHeight} pixels
     * @throws IllegalArgumentException on inconsistent sizes
     */
    public static byte[] grid(float[] rows, int count, int d, int side, int columns, int scale) {
        return png(image(rows, count, d, side, columns, scale));
    }

    /**
     * The grid of {@link #grid} as an image rather than PNG bytes.
     *
     * @see #grid(float[], int, int, int, int, int)
     */
    public static BufferedImage image(float[] rows, int count, int d, int side, int columns, int scale) {
        if (count < 1) throw new IllegalArgumentException("count must be >= 1, got " + count);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        return image(rows, order, null, d, side, columns, scale);
    }

    /**
     * Renders chosen rows in a chosen order (e.g. features by decreasing usage), marking dead features: a feature with
     * {@code dead[f]} is drawn as a grey tile crossed in red instead of its weights (which never decode anything, so
     * they are noise, not a learned picture).
     *
     * @param rows    row-major features, row {@code f} is feature f
     * @param order   the features to draw, in drawing order (≥ 1)
     * @param dead    per feature, true if it never fires (may be null: none marked)
     * @param d       length of one row; must equal {@code side²}
     * @param side    tile side in data pixels
     * @param columns tiles per grid row
     * @param scale   upscaling factor
     * @return PNG bytes of the grid
     */
    public static byte[] grid(float[] rows, int[] order, boolean[] dead, int d, int side, int columns, int scale) {
        return png(image(rows, order, dead, d, side, columns, scale));
    }

    static BufferedImage image(float[] rows, int[] order, boolean[] dead, int d, int side, int columns, int scale) {
        if (rows == null) throw new IllegalArgumentException("rows is null");
        int count = order.length;
        if (count < 1) throw new IllegalArgumentException("count must be >= 1, got " + count);
        if (side < 1 || (long) side * side != d) {
            throw new IllegalArgumentException("d = " + d + " is not side² for side = " + side);
        }
        if (columns < 1) throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        if (scale < 1) throw new IllegalArgumentException("scale must be >= 1, got " + scale);
        for (int f : order) {
            if (f < 0 || (long) (f + 1) * d > rows.length) {
                throw new IllegalArgumentException("feature " + f + " of " + d + " values is not in " + rows.length + " values");
            }
        }
        int cols = Math.min(columns, count);
        int w = gridWidth(count, side, columns, scale);
        int h = gridHeight(count, side, columns, scale);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[w * h];
        Arrays.fill(px, GAP_RGB);
        int tile = side * scale;
        for (int t = 0; t < count; t++) {
            int f = order[t];
            int base = f * d;
            int x0 = GAP + (t % cols) * (tile + GAP);
            int y0 = GAP + (t / cols) * (tile + GAP);
            if (dead != null && dead[f]) {
                for (int y = 0; y < tile; y++) {
                    for (int x = 0; x < tile; x++) {
                        boolean cross = Math.abs(x - y) <= scale / 2 || Math.abs(x + y - (tile - 1)) <= scale / 2;
                        px[(y0 + y) * w + x0 + x] = cross ? DEAD_CROSS_RGB : DEAD_RGB;
                    }
                }
                continue;
            }
            float maxAbs = 0f;
            for (int p = 0; p < d; p++) {
                float a = Math.abs(rows[base + p]);
                if (a > maxAbs) maxAbs = a; // NaN never wins a > comparison
            }
            for (int p = 0; p < d; p++) {
                int rgb = rgb(rows[base + p], maxAbs);
                int py = y0 + (p / side) * scale;
                int pxX = x0 + (p % side) * scale;
                for (int dy = 0; dy < scale; dy++) {
                    int o = (py + dy) * w + pxX;
                    for (int dx = 0; dx < scale; dx++) px[o + dx] = rgb;
                }
            }
        }
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    /** Width in pixels of a grid of {@code count} tiles (see {@link #grid}). */
    public static int gridWidth(int count, int side, int columns, int scale) {
        int cols = Math.max(1, Math.min(columns, count));
        return cols * (side * scale + GAP) + GAP;
    }

    /** Height in pixels of a grid of {@code count} tiles (see {@link #grid}). */
    public static int gridHeight(int count, int side, int columns, int scale) {
        int cols = Math.max(1, Math.min(columns, count));
        int gridRows = Math.max(1, (count + cols - 1) / cols);
        return gridRows * (side * scale + GAP) + GAP;
    }

    /**
     * The diverging colour of weight {@code v} in a feature whose largest absolute weight is {@code maxAbs}:
     * red for positive, blue for negative, white for zero, saturated at {@code |v| = maxAbs}.
     *
     * @return 0xRRGGBB
     */
    public static int rgb(float v, float maxAbs) {
        if (!(maxAbs > 0f) || !Float.isFinite(maxAbs) || !Float.isFinite(v)) return 0xffffff;
        double t = Math.max(-1.0, Math.min(1.0, v / (double) maxAbs));
        int fade = (int) Math.round(255.0 * (1.0 - Math.abs(t))); // the two non-dominant channels
        if (t >= 0) return (255 << 16) | (fade << 8) | fade;
        return (fade << 16) | (fade << 8) | 255;
    }

    /** Encodes an image as PNG. */
    static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", out)) throw new IllegalStateException("no PNG writer available");
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory stream: does not happen
        }
    }
}
