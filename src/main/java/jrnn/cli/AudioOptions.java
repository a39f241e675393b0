package jrnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jrnn.audio.AudioCorpus;
import picocli.CommandLine.Option;

/** Where recordings come from: a manifest over an archive or folder, or a list file. */
final class AudioOptions {
  @Option(names = "--manifest", description = "Tab-separated manifest: a 'path' column, and 'digit' (or 'label')"
      + " or 'transcript'.")
  Path manifest;

  @Option(names = "--audio", description = "The recordings: a tar or tar.gz archive or a folder holding the"
      + " manifest's paths.")
  Path audio;

  @Option(names = "--list", description = "A list file instead: a WAV path per line (relative to the list), a tab,"
      + " and its word.")
  Path list;

  List<AudioCorpus.Recording> read() throws IOException {
    if (list != null) {
      if (manifest != null || audio != null) {
        throw new IllegalArgumentException("--list names the recordings itself; give it without --manifest and --audio");
      }
      return AudioCorpus.fromList(list);
    }
    if (audio == null || manifest == null) {
      // Training and scoring need what each recording says, which only a manifest or a list file gives.
      throw new IllegalArgumentException("give --manifest FILE with --audio ARCHIVE_OR_DIR, or --list FILE: the"
          + " recordings' words come from the manifest's 'digit', 'label' or 'transcript' column, or the list's");
    }
    return AudioCorpus.read(manifest, audio);
  }

  String describe() {
    return list != null ? list.toString() : manifest + " over " + audio;
  }
}
