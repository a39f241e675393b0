package jrnn.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a failed Spark job says, in one line: the failed task's own error. Spark wraps it (a
 * file-writing job in "Job aborted.", any job in "Job aborted due to stage failure: Task 0 in stage
 * 3.0 failed 4 times, most recent failure: Lost task ... (executor 1): java.lang.X: what failed"
 * followed by the remote stack trace), so the reason is dug out of the causes.
 */
final class SparkFailures {
  private static final Pattern LOST_TASK = Pattern.compile("most recent failure: Lost task [^:]*?\\): (?:[\\w.$]+: )?(.*)");
  /** A cause in the remote stack trace the message carries: Spark wraps a task's error again while it writes rows. */
  private static final Pattern CAUSED_BY = Pattern.compile("^Caused by: [\\w.$]+: (.*)");

  private SparkFailures() {}

  /** The failed task's error message if a cause of {@code e} carries one, else the first line of e's message. */
  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String first = firstLine(t);
      Matcher m = LOST_TASK.matcher(first);
      if (m.find()) {
        // The deepest cause the remote trace names is the task's own error (a row that could not
        // be scored), under Spark's "Task failed while writing rows".
        String deepest = m.group(1);
        for (String line : t.getMessage().lines().toList()) {
          Matcher c = CAUSED_BY.matcher(line.strip());
          if (c.find()) {
            deepest = c.group(1);
          }
        }
        return deepest;
      }
    }
    return firstLine(e);
  }

  private static String firstLine(Throwable t) {
    return t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse(t.toString());
  }
}
