package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.testing.RawFrames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A follower answers each pushed value with {@code subscribe_result_res} for a Node.js leader, which
 * waits for that answer, and sends nothing back to a Java leader, which does not: the leader here is
 * a socket that says which it is in its registration answer, then pushes two values and reads what
 * the follower sends before its next call.
 */
@Timeout(30)
class PushAnswerTest {
  public interface Feed {
    void subscribe(Map<String, String> reg, Consumer<String> listener);

    @Delegate
    String ping();
  }

  @ParameterizedTest(name = "Java leader: {0}")
  @ValueSource(booleans = {true, false})
  void onlyANodeJsLeaderGetsAnAnswerForEachPush(boolean javaLeader) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ClusterRuntime runtime = ClusterRuntime.create()) {
      CompletableFuture<List<String>> seen = CompletableFuture.supplyAsync(() -> lead(server, javaLeader));
      Feed feed = ClusterClient.of(Feed.class).runtime(runtime)
          .options(ClusterOptions.builder().name("feed").port(server.getLocalPort()).leader(false)
              .allowUnauthenticated(true).build())
          .create(() -> {
            throw new AssertionError("this process only follows");
          });
      ClusterClient.handle(feed).ready().get(20, TimeUnit.SECONDS);
      List<String> values = new CopyOnWriteArrayList<>();
      feed.subscribe(Map.of("dataId", "d"), values::add);
      await().atMost(Duration.ofSeconds(20)).until(() -> values.size() == 2);
      feed.ping(); // the packet after the answers, if any

      List<String> types = seen.get(20, TimeUnit.SECONDS);
      assertThat(values).containsExactly("one", "two");
      if (javaLeader) {
        assertThat(types).containsExactly("invoke");
      } else {
        assertThat(types).containsExactly("subscribe_result_res", "subscribe_result_res", "invoke");
      }
    }
  }

  /** Registers the follower, pushes two values once it subscribes, and lists what comes next. */
  private static List<String> lead(ServerSocket server, boolean javaLeader) {
    try (Socket socket = server.accept()) {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      RawFrames.Frame register = RawFrames.read(in);
      String answer = javaLeader ? "{\"success\":true,\"binary\":true,\"pid\":1}" : "{\"success\":true}";
      RawFrames.write(out, true, register.id(), "{\"type\":\"register_channel_res\"}", answer);
      RawFrames.Frame subscribe = RawFrames.read(in);
      String key = subscribe.conn().replaceAll(".*\"key\":\"((?:[^\"\\\\]|\\\\.)*)\".*", "$1");
      RawFrames.write(out, false, 1, "{\"type\":\"subscribe_result\",\"key\":\"" + key + "\"}", "\"one\"");
      RawFrames.write(out, false, 2, "{\"type\":\"subscribe_result\",\"key\":\"" + key + "\"}", "\"two\"");
      List<String> types = new java.util.ArrayList<>();
      while (true) {
        RawFrames.Frame f = RawFrames.read(in);
        String type = f.conn().replaceAll(".*\"type\":\"([a-z_]+)\".*", "$1");
        types.add(type);
        if (type.equals("invoke")) {
          RawFrames.write(out, true, f.id(), "{\"type\":\"invoke_result\",\"success\":true}", "\"pong\"");
          return types;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
