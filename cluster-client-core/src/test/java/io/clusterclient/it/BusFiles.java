package io.clusterclient.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the {@code id value} files a {@link BusChild} writes. */
final class BusFiles {
  private BusFiles() {}

  /** @return the lines of a file in order ({@code GAP} and {@code DROPPED} lines included); none: empty */
  static List<String> lines(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      // a process killed in the middle of a write may leave a partial last line
      if (!all.isEmpty() && !Files.readString(file, StandardCharsets.UTF_8).endsWith("\n")) {
        all = all.subList(0, all.size() - 1);
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return id to value, in file order, of the message lines */
  static Map<Long, String> messages(Path file) {
    Map<Long, String> m = new LinkedHashMap<>();
    for (String l : lines(file)) {
      if (!l.startsWith("GAP") && !l.startsWith("DROPPED")) {
        int sp = l.indexOf(' ');
        m.putIfAbsent(Long.parseLong(l.substring(0, sp)), l.substring(sp + 1));
      }
    }
    return m;
  }

  /** @return the ids of the message lines, in file order, repeats included */
  static List<Long> ids(Path file) {
    List<Long> ids = new ArrayList<>();
    for (String l : lines(file)) {
      if (!l.startsWith("GAP") && !l.startsWith("DROPPED")) {
        ids.add(Long.parseLong(l.substring(0, l.indexOf(' '))));
      }
    }
    return ids;
  }

  /** @return how many ids are not above every id before them, and how many of those were repeats */
  static long[] disorder(List<Long> ids) {
    long outOfOrder = 0;
    long duplicates = 0;
    long max = Long.MIN_VALUE;
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (long id : ids) {
      if (!seen.add(id)) {
        duplicates++;
      } else if (id <= max) {
        outOfOrder++;
      }
      max = Math.max(max, id);
    }
    return new long[] {duplicates, outOfOrder};
  }
}
