package jrnn.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The front end on generated signals: where a tone lands, what silence gives, how many frames. */
class FrontEndTest {
  static float[] tone(double hz, int rate, int n, double amplitude) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return x;
  }

  static FrontEnd logMelWithoutDeltas(int rate) {
    return new FrontEnd(new FrontEnd.Config(rate, 25, 10, 0.97, 40, 20, rate / 2.0, FrontEnd.Kind.LOG_MEL, 0, 0, 0));
  }

  @Test
  void aWarpedFrontEndHearsAToneWhereTheWarpMovesIt() {
    FrontEnd.Config c = new FrontEnd.Config(8000, 25, 10, 0.97, 40, 20, 4000, FrontEnd.Kind.LOG_MEL, 0, 0, 0);
    for (double warp : new double[] {0.9, 1.1}) {
      FrontEnd warped = new FrontEnd(c, warp);
      FrontEnd plain = new FrontEnd(c);
      assertEquals(4000, warped.warped(4000), 1e-9, "the band's top stays");
      // Below the boundary a tone at f is heard as one at warp * f.
      for (double hz : new double[] {500, 1200, 2000}) {
        assertEquals(warp * hz, warped.warped(hz), 1e-9);
        float[] heard = warped.features(tone(hz, 8000, 4000, 0.5))[10];
        float[] moved = plain.features(tone(warp * hz, 8000, 4000, 0.5))[10];
        int a = 0;
        int b = 0;
        for (int m = 1; m < 40; m++) {
          a = heard[m] > heard[a] ? m : a;
          b = moved[m] > moved[b] ? m : b;
        }
        assertTrue(Math.abs(a - b) <= 1, "warp " + warp + ", " + hz + " Hz: loudest filter " + a + ", " + b
            + " for a tone at " + warp * hz + " Hz");
      }
      for (double f = 0; f <= 4000; f += 125) {
        assertEquals(f, warped.unwarped(warped.warped(f)), 1e-9, "unwarped undoes warped");
      }
      double previous = -1;
      for (double f = 0; f <= 4000; f += 50) {
        assertTrue(warped.warped(f) > previous, "the warp keeps frequencies in order");
        previous = warped.warped(f);
      }
    }
    assertEquals(1234.5, new FrontEnd(c).warped(1234.5));
    assertThrows(IllegalArgumentException.class, () -> new FrontEnd(c, 3));
  }

  @Test
  void aPureToneLandsInTheFilterNearestItsFrequency() {
    for (int rate : new int[] {8000, 16000}) {
      FrontEnd fe = logMelWithoutDeltas(rate);
      for (double hz : new double[] {300, 700, 1500, 3100}) {
        float[][] f = fe.features(tone(hz, rate, rate / 2, 0.5));
        int nearest = 0;
        for (int m = 1; m < 40; m++) {
          if (Math.abs(fe.filterCentreHz(m) - hz) < Math.abs(fe.filterCentreHz(nearest) - hz)) {
            nearest = m;
          }
        }
        for (int t = 0; t < f.length; t++) {
          int loudest = 0;
          for (int m = 1; m < 40; m++) {
            loudest = f[t][m] > f[t][loudest] ? m : loudest;
          }
          assertTrue(Math.abs(loudest - nearest) <= 1, rate + " Hz rate, " + hz + " Hz tone, frame " + t
              + ": loudest filter " + loudest + " (centre " + fe.filterCentreHz(loudest) + " Hz), nearest " + nearest);
          // Far from the tone the energy is the window's leakage, far below.
          assertTrue(f[t][loudest] - f[t][nearest > 20 ? 0 : 39] > 5, "the tone stands out in frame " + t);
        }
      }
    }
  }

  @Test
  void silenceGivesTheFloorAndMfccOfSilenceOnlyItsFirstCoefficient() {
    FrontEnd fe = logMelWithoutDeltas(8000);
    for (float[] frame : fe.features(new float[4000])) {
      for (float v : frame) {
        assertEquals(Math.log(FrontEnd.FLOOR), v, 1e-4);
      }
    }
    FrontEnd mfcc = new FrontEnd(FrontEnd.Config.mfcc(8000));
    float[][] c = mfcc.features(new float[4000]);
    assertEquals(39, c[0].length);
    for (float[] frame : c) {
      // The DCT of a constant vector: c0 = sqrt(M) * value, every other coefficient and every delta 0.
      assertEquals(Math.sqrt(26) * Math.log(FrontEnd.FLOOR), frame[0], 1e-3);
      for (int k = 1; k < 39; k++) {
        assertEquals(0, frame[k], 1e-3, "coefficient " + k);
      }
    }
  }

  @Test
  void frameCountsFollowFromTheLengths() {
    FrontEnd fe = logMelWithoutDeltas(8000);
    assertEquals(200, fe.frameLength());
    assertEquals(80, fe.hop());
    assertEquals(0, fe.frames(0));
    assertEquals(1, fe.frames(1));
    assertEquals(1, fe.frames(200));
    assertEquals(1, fe.frames(279));
    assertEquals(2, fe.frames(280));
    assertEquals(1 + (8000 - 200) / 80, fe.frames(8000));
    assertEquals(fe.frames(5451), fe.features(tone(440, 8000, 5451, 0.1)).length);
    assertEquals(1, fe.features(new float[] {0.5f, -0.5f, 0.25f}).length, "shorter than a frame: one, zero-padded");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fe.features(new float[0]));
    assertTrue(e.getMessage().contains("without samples"), e.getMessage());
  }

  @Test
  void deltasOfARampAreItsSlope() {
    float[][] x = new float[10][2];
    for (int t = 0; t < 10; t++) {
      x[t][0] = 3 * t;
    }
    FrontEnd.deltas(x, 0, 1, 1);
    for (int t = 2; t < 8; t++) {
      assertEquals(3, x[t][1], 1e-6, "frame " + t);
    }
    // At the ends the repeated frame halves the reach: (1*3 + 2*6) / 10 at the first frame.
    assertEquals(1.5, x[0][1], 1e-6);
  }

  @Test
  void badSettingsAreRefusedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FrontEnd.Config(8000, 25, 10, 0.97, 40, 20, 6000, FrontEnd.Kind.LOG_MEL, 0, 0, 2));
    assertTrue(e.getMessage().contains("4000.0") && e.getMessage().contains("6000"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new FrontEnd.Config(8000, 25, 10, 0.97, 20, 20, 4000, FrontEnd.Kind.MFCC, 21, 0, 2));
    assertTrue(e.getMessage().contains("[1, 20]") && e.getMessage().contains("21"), e.getMessage());
  }

  @Test
  void perUtteranceNormalizationGivesZeroMeanUnitVariance() {
    // A tone with noise, so that every dimension varies: each must come out with variance 1
    // (below 1 only where a dimension's own variance is near the guard's 1e-8).
    float[] x = tone(500, 8000, 6000, 0.3);
    jrnn.util.Rng rng = new jrnn.util.Rng(3);
    for (int i = 0; i < x.length; i++) {
      x[i] += (float) (0.05 * rng.uniform(-1, 1));
    }
    float[][] f = FrontEnd.normalizePerUtterance(new FrontEnd(FrontEnd.Config.mfcc(8000)).features(x));
    for (int j = 0; j < f[0].length; j++) {
      double mean = 0;
      double sq = 0;
      for (float[] frame : f) {
        mean += frame[j];
        sq += frame[j] * frame[j];
      }
      mean /= f.length;
      assertEquals(0, mean, 1e-4, "dimension " + j);
      double var = sq / f.length - mean * mean;
      assertEquals(1, var, 1e-3, "dimension " + j + " variance");
    }
  }
}
