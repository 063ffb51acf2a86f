package org.mdlsae.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FeatureImagesTest {

    private static final int WHITE = 0xffffff;
    private static final int RED = 0xff0000;
    private static final int BLUE = 0x0000ff;

    private static BufferedImage decode(byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        if (img == null) throw new IOException("not a PNG");
        return img;
    }

    @Test
    void singlePositivePixelLightsExactlyItsBlock() throws IOException {
        int side = 4, d = side * side, count = 5, columns = 2, scale = 3;
        float[] rows = new float[count * d];
        int feature = 3, px = 1, py = 2; // feature 3 sits at grid column 1, grid row 1
        rows[feature * d + py * side + px] = 0.7f;
        BufferedImage img = decode(FeatureImages.grid(rows, count, d, side, columns, scale));

        int tile = side * scale;
        assertEquals(FeatureImages.gridWidth(count, side, columns, scale), img.getWidth());
        assertEquals(FeatureImages.gridHeight(count, side, columns, scale), img.getHeight());
        assertEquals(2 * (tile + 1) + 1, img.getWidth());
        assertEquals(3 * (tile + 1) + 1, img.getHeight());

        int litX0 = 1 + 1 * (tile + 1) + px * scale;
        int litY0 = 1 + 1 * (tile + 1) + py * scale;
        int red = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                boolean lit = x >= litX0 && x < litX0 + scale && y >= litY0 && y < litY0 + scale;
                boolean gap = (x % (tile + 1)) == 0 || (y % (tile + 1)) == 0;
                boolean emptyCell = x > tile + 1 && y > 2 * (tile + 1); // cell 5 of a 2×3 grid holding 5 tiles
                if (lit) {
                    assertEquals(RED, rgb, "lit pixel at " + x + "," + y);
                    red++;
                } else if (gap || emptyCell) {
                    assertEquals(FeatureImages.GAP_RGB, rgb, "gap at " + x + "," + y);
                } else {
                    assertEquals(WHITE, rgb, "background at " + x + "," + y);
                }
            }
        }
        assertEquals(scale * scale, red);
    }

    @Test
    void divergingMapIsNormalisedPerFeature() throws IOException {
        int side = 2, d = 4;
        // feature 0: weights in units of its own max; feature 1: same shape, 100× larger → same colours
        float[] rows = {1f, -1f, 0.5f, 0f, 100f, -100f, 50f, 0f};
        BufferedImage img = decode(FeatureImages.grid(rows, 2, d, side, 2, 1));
        for (int f = 0; f < 2; f++) {
            int x0 = 1 + f * (side + 1);
            assertEquals(RED, img.getRGB(x0, 1) & 0xffffff);
            assertEquals(BLUE, img.getRGB(x0 + 1, 1) & 0xffffff);
            assertEquals(0xff8080, img.getRGB(x0, 2) & 0xffffff); // half → halfway to white (round(127.5) = 128)
            assertEquals(WHITE, img.getRGB(x0 + 1, 2) & 0xffffff);
        }
        assertEquals(WHITE, FeatureImages.rgb(0f, 0f)); // an all-zero feature is white
        assertEquals(WHITE, FeatureImages.rgb(Float.NaN, 1f));
    }

    @Test
    void usesTheFirstCountRowsAndFewerColumnsWhenFewFeatures() {
        assertEquals(3 * (28 * 2 + 1) + 1, FeatureImages.gridWidth(3, 28, 16, 2));
        assertEquals(28 * 2 + 2, FeatureImages.gridHeight(3, 28, 16, 2));
        assertEquals(16 * (28 * 2 + 1) + 1, FeatureImages.gridWidth(64, 28, 16, 2));
        assertEquals(4 * (28 * 2 + 1) + 1, FeatureImages.gridHeight(64, 28, 16, 2));
        float[] rows = new float[10 * 9];
        BufferedImage img = FeatureImages.image(rows, 4, 9, 3, 16, 1);
        assertEquals(FeatureImages.gridWidth(4, 3, 16, 1), img.getWidth());
    }

    @Test
    void rejectsInconsistentSizes() {
        float[] rows = new float[16];
        assertThrows(IllegalArgumentException.class, () -> FeatureImages.grid(rows, 1, 16, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FeatureImages.grid(rows, 2, 16, 4, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FeatureImages.grid(rows, 0, 16, 4, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FeatureImages.grid(rows, 1, 16, 4, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> FeatureImages.grid(rows, 1, 16, 4, 1, 0));
    }
}
