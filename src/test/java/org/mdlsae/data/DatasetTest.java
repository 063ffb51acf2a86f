package org.mdlsae.data;

import org.junit.jupiter.api.Test;
import org.mdlsae.InputException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetTest {
    private final Dataset d = new Dataset("d", 3, 2, new float[] {0, 1, 2, 3, 4, 5});

    @Test
    void rowsSlicesSelections() {
        assertArrayEquals(new float[] {2, 3}, d.row(1));
        Dataset s = d.slice(1, 3);
        assertEquals(2, s.rows());
        assertArrayEquals(new float[] {2, 3, 4, 5}, s.data());
        Dataset sel = d.select(new int[] {2, 0, 2});
        assertArrayEquals(new float[] {4, 5, 0, 1, 4, 5}, sel.data());
        assertEquals(0, d.slice(1, 1).rows());
        assertThrows(IndexOutOfBoundsException.class, () -> d.row(3));
        assertThrows(IndexOutOfBoundsException.class, () -> d.slice(2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> d.select(new int[] {-1}));
        d.row(0)[0] = 99;
        assertEquals(0, d.data()[0], "row() returns a copy");
        assertEquals(d, Dataset.ofRows("d", new float[][] {{0, 1}, {2, 3}, {4, 5}}));
    }

    @Test
    void checksSizes() {
        assertThrows(IllegalArgumentException.class, () -> new Dataset("x", 2, 2, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> Dataset.ofRows("x", new float[][] {{1}, {1, 2}}));
    }

    @Test
    void validateNamesSourceRowAndColumn() {
        assertSame(d, d.validate("f.npy"));
        Dataset bad = new Dataset("b", 3, 4, new float[12]);
        bad.data()[9] = Float.NaN;
        bad.data()[11] = Float.POSITIVE_INFINITY;
        InputException e = assertThrows(InputException.class, () -> bad.validate("acts.npy"));
        assertEquals("acts.npy: row 2, column 1 is NaN; remove or replace non-finite values (e.g. np.nan_to_num)"
                + " before using the data", e.getMessage());
        Dataset inf = new Dataset("i", 1, 2, new float[] {0, Float.NEGATIVE_INFINITY});
        assertTrue(assertThrows(InputException.class, () -> inf.validate("x")).getMessage().contains("-Infinity"));
    }

    @Test
    void labelledSelect() {
        LabelledData l = new LabelledData(d, new int[] {7, 8, 9});
        LabelledData s = l.select(new int[] {2, 0}, "s");
        assertArrayEquals(new int[] {9, 7}, s.labels());
        assertEquals("s", s.data().name());
        assertArrayEquals(new float[] {4, 5, 0, 1}, s.data().data());
        assertThrows(IllegalArgumentException.class, () -> new LabelledData(d, new int[2]));
    }
}
