package io.clusterclient.it;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterEventSource;
import io.clusterclient.ClusterEvents;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Delegate;
import io.clusterclient.ReadyLater;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A process sharing a {@link Feed} whose real client emits events and becomes ready later.
 * Arguments: {@code port|env [leader=true|false]} ({@code env}: the environment sets the port, or
 * single mode); system property {@code cc.ready}: {@code ok} (ready
 * 200 ms after creation) or {@code refuse} (fails a second after creation). Prints {@code READY
 * <role>} or {@code READY_FAILED <message>}, then {@code EVENT <value>} per event "tick". Commands:
 * {@code emit <count>} (answers {@code OK emit}), {@code exit}.
 */
public final class FeedChild {
  private FeedChild() {}

  /** The shared client type. */
  public interface Feed {
    /** Asks the real client to emit {@code count} events "tick", values 0, 1, ... */
    @Delegate
    String emit(int count);
  }

  /** The real client, in the leader only. */
  public static final class RealFeed implements Feed, ClusterEventSource, ReadyLater {
    private volatile ClusterEvents events;

    @Override
    public void bindEvents(ClusterEvents events) {
      this.events = events;
    }

    @Override
    public CompletionStage<?> whenReady() {
      boolean refuse = "refuse".equals(System.getProperty("cc.ready", "ok"));
      return CompletableFuture.supplyAsync(
          () -> {
            if (refuse) {
              throw new IllegalStateException("upstream refused the session");
            }
            return null;
          },
          CompletableFuture.delayedExecutor(refuse ? 1000 : 200, TimeUnit.MILLISECONDS));
    }

    @Override
    public String emit(int count) {
      for (int i = 0; i < count; i++) {
        events.emit("tick", i);
      }
      return "emitted";
    }
  }

  public static void main(String[] args) throws Exception {
    ClusterOptions.Builder options = ClusterOptions.builder().name("feed").maxWaitTime(Duration.ofSeconds(20));
    if (!args[0].equals("env")) { // "env": the port (or single mode) comes from the environment
      options.port(Integer.parseInt(args[0]));
    }
    if (args.length > 1 && args[1].startsWith("leader=")) {
      options.leader(Boolean.parseBoolean(args[1].substring("leader=".length())));
    }
    Feed feed = ClusterClient.of(Feed.class).options(options.build()).create(RealFeed::new);
    ClusterHandle handle = ClusterClient.handle(feed);
    handle.addEventListener("tick", Integer.class, (name, value) -> System.out.println("EVENT " + value));
    try {
      handle.ready().get(60, TimeUnit.SECONDS);
      System.out.println("READY " + handle.role());
    } catch (ExecutionException e) {
      System.out.println("READY_FAILED " + String.valueOf(e.getCause().getMessage()).replace('\n', ' '));
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("exit")) {
      String[] p = line.split(" ");
      try {
        if (p[0].equals("emit")) {
          feed.emit(Integer.parseInt(p[1]));
          System.out.println("OK emit");
        } else {
          System.out.println("ERR bad command " + line);
        }
      } catch (RuntimeException e) {
        System.out.println("ERR " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
    }
    handle.close();
    io.clusterclient.testing.LeakFlush.flush();
    System.out.println("BYE");
  }
}
