package org.mdlsae.toy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mdlsae.io.AtomicFiles;

/** The one way a toy writes its results: a CSV table and a PNG chart in a directory, each file atomically. */
final class ToyFiles {
    private ToyFiles() {
    }

    /**
     * Writes {@code dir/csvName} and {@code dir/pngName}.
     *
     * @return the two paths
     * @throws IOException if a file cannot be written (no partial file is left)
     */
    static List<Path> write(Path dir, String csvName, String csv, String pngName, Chart<?, ?> chart) throws IOException {
        Path csvFile = dir.resolve(csvName), pngFile = dir.resolve(pngName);
        AtomicFiles.writeBytes(csvFile, csv.getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeBytes(pngFile, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        return List.of(csvFile, pngFile);
    }
}
