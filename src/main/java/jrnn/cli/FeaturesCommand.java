package jrnn.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jrnn.audio.FrontEnd;
import jrnn.audio.Resampler;
import jrnn.audio.Wav;
import jrnn.plot.FeaturePlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jrnn features}: a recording's log-mel or MFCC features, summarized and drawn. */
@Command(name = "features", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Computes a WAV recording's features (the speech front end: 25 ms frames every 10 ms, log-mel"
        + " filter banks or MFCC) and says what they are; with --plot, draws the waveform above the features.",
        "Prints, last, 'frames: <number>'."})
final class FeaturesCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE.wav", description = "The recording.")
  Path wav;

  @Option(names = "--kind", defaultValue = "log-mel", description = "log-mel or mfcc (default ${DEFAULT-VALUE}).")
  String kind;

  @Option(names = "--rate", description = "Resample to this many samples per second first (default: the file's).")
  Integer rate;

  @Option(names = "--deltas", defaultValue = "0", description = "0, 1 (deltas) or 2 (and their deltas) appended"
      + " (default ${DEFAULT-VALUE}).")
  int deltas;

  @Option(names = "--plot", paramLabel = "OUT.png", description = "Draws the waveform and the features.")
  Path plot;

  @Override
  public Integer call() throws Exception {
    Wav.Audio audio = Wav.read(wav);
    if (rate != null) {
      if (rate < jrnn.audio.Wav.MIN_RATE || rate > jrnn.audio.Wav.MAX_RATE) {
        throw new IllegalArgumentException("--rate must be " + jrnn.audio.Wav.RATES + ", got " + rate);
      }
      audio = Resampler.resample(audio, rate);
    }
    int r = audio.sampleRate();
    FrontEnd.Kind k = FrontEnd.Kind.parse(kind);
    FrontEnd.Config base = k == FrontEnd.Kind.MFCC ? FrontEnd.Config.mfcc(r) : FrontEnd.Config.logMel(r);
    FrontEnd.Config c = new FrontEnd.Config(r, base.frameMs(), base.hopMs(), base.preemphasis(), base.melBins(),
        base.lowHz(), base.highHz(), k, base.ceps(), base.lifter(), deltas);
    FrontEnd fe = new FrontEnd(c);
    float[][] f = fe.features(audio.samples());
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (float[] frame : f) {
      for (float v : frame) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    System.out.printf(Locale.ROOT, "%s: %.3f s at %d Hz; %s, %d values a frame (%s), range %.3f to %.3f%n", wav,
        audio.seconds(), r, k == FrontEnd.Kind.MFCC ? c.ceps() + " MFCC from " + c.melBins() + " mel filters"
            : c.melBins() + " log-mel filters", fe.dimension(), deltas == 0 ? "no deltas"
            : deltas == 1 ? "with deltas" : "with deltas and their deltas", min, max);
    if (plot != null) {
      FeaturePlot.write(plot, wav.getFileName().toString(), audio.samples(), r, f, c.hopMs() / 1000,
          c.frameMs() / 1000, k == FrontEnd.Kind.MFCC ? "coefficient" : "mel filter");
      System.out.println("plot: " + plot);
    }
    System.out.println("frames: " + f.length);
    return 0;
  }
}
