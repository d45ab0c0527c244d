package io.clusterclient.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The real client. Every construction appends "name pid" to the file named by the system property
 * {@code cc.constructions}, so that a test can count constructions across processes.
 */
public class RealEchoService implements EchoService {
  private final String name;
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  public RealEchoService(String name) {
    this.name = name;
    String file = System.getProperty("cc.constructions");
    if (file != null) {
      Path path = Paths.get(file);
      try {
        Files.write(
            path,
            (name + " " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public String echo(String value) {
    return value;
  }

  @Override
  public CompletableFuture<Integer> add(int a, int b) {
    return CompletableFuture.supplyAsync(() -> a + b);
  }

  @Override
  public CompletableFuture<String> done(String value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public java.util.concurrent.CompletionStage<String> staged(String value) {
    return CompletableFuture.completedFuture(value).minimalCompletionStage();
  }

  @Override
  public void record(String event) {
    events.add(event);
  }

  @Override
  public List<String> recorded() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  @Override
  public String slow(int millis) {
    try {
      Thread.sleep(millis); // simulates a slow upstream
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "slept " + millis;
  }

  @Override
  public String fail(String message) throws EchoException {
    throw new EchoException(message);
  }

  @Override
  public String failCoded(String message, String code) {
    throw new CodedException(message, code);
  }

  @Override
  public List<Map<String, Integer>> generic(List<Map<String, Integer>> in) {
    List<Map<String, Integer>> out = new ArrayList<>(in);
    out.add(Map.of("size", in.size()));
    return out;
  }

  @Override
  public String overloaded(String a) {
    return "S:" + a;
  }

  @Override
  public String overloaded(String a, int b) {
    return "SI:" + a + b;
  }

  @Override
  public String overloaded(int a) {
    return "I:" + a;
  }

  @Override
  public byte[] bytes(byte[] in) {
    if (in == null) {
      return null;
    }
    byte[] out = in.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ~out[i];
    }
    return out;
  }

  @Override
  public String whoami() {
    return name + "@" + ProcessHandle.current().pid();
  }

  @Override
  public String local() {
    return "local";
  }
}
