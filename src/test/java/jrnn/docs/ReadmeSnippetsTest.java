package jrnn.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's Java is code that compiles and runs: every {@code java} block in it is, line for
 * line, a tagged region ({@code // tag::name[]} .. {@code // end::name[]}) of a program in
 * examples/, which {@code mvn verify} builds against the installed artifact and runs.
 */
class ReadmeSnippetsTest {
  static final Path EXAMPLES = Path.of("examples/src/main/java");

  @Test
  void everyJavaBlockOfTheReadmeIsARegionOfAnExample() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    while (m.find()) {
      blocks.add(m.group(1).stripTrailing());
    }
    List<String> regions = regions();
    assertFalse(blocks.isEmpty(), "the README shows no Java");
    assertTrue(regions.size() >= 5, "examples/ has " + regions.size() + " tagged regions");
    for (String block : blocks) {
      assertTrue(regions.contains(block), "a README block that no example holds:\n" + block);
    }
  }

  @Test
  void theExamplesDependOnThisVersion() throws IOException {
    String version = version(Files.readString(Path.of("pom.xml")), "<version>");
    assertEquals(version, version(Files.readString(Path.of("examples/pom.xml")), "<jrnn.version>"));
  }

  private static String version(String pom, String tag) {
    int a = pom.indexOf(tag, pom.indexOf("<artifactId>")) + tag.length();
    return pom.substring(a, pom.indexOf('<', a)).trim();
  }

  /** Each tagged region of the examples, its common indentation removed. */
  static List<String> regions() throws IOException {
    List<String> out = new ArrayList<>();
    Pattern tagged = Pattern.compile("// tag::([\\w-]+)\\[\\]\n(.*?)\n[ \t]*// end::\\1\\[\\]", Pattern.DOTALL);
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = tagged.matcher(Files.readString(f, StandardCharsets.UTF_8));
        while (m.find()) {
          String[] lines = m.group(2).split("\n");
          int indent = Integer.MAX_VALUE;
          for (String l : lines) {
            if (!l.isBlank()) {
              indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
          }
          StringBuilder b = new StringBuilder();
          for (String l : lines) {
            b.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n');
          }
          out.add(b.toString().stripTrailing());
        }
      }
    }
    return out;
  }
}
