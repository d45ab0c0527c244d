package io.clusterclient.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.RemoteInvocationException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A cluster process for the multi-process tests, driven by lines on stdin.
 *
 * <p>Arguments: {@code port name[,name...] [leader=true|false] [responseTimeout=ms]
 * [maxFrameLength=bytes] [allowUnauthenticated=true|false] [runDir=path]}. Prints {@code
 * READY <name> <role>} per name, then answers each command with {@code OK <json>} or {@code ERR
 * <exception class> <json message>}. Commands: {@code call <name> <method> <json args>}, {@code role
 * <name>}, {@code exit}.
 */
public final class ClusterChild {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterChild() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String[] names = args[1].split(",");
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      opts.put(kv[0], kv[1]);
    }
    Map<String, EchoService> clients = new LinkedHashMap<>();
    for (String name : names) {
      ClusterOptions.Builder b =
          ClusterOptions.builder()
              .name(name)
              .port(port)
              .maxWaitTime(Duration.ofSeconds(30))
              .responseTimeout(
                  Duration.ofMillis(Long.parseLong(opts.getOrDefault("responseTimeout", "3000"))));
      if (opts.containsKey("maxFrameLength")) {
        b.maxFrameLength(Integer.parseInt(opts.get("maxFrameLength")));
      }
      if (opts.containsKey("leader")) {
        b.leader(Boolean.parseBoolean(opts.get("leader")));
      }
      if (opts.containsKey("allowUnauthenticated")) {
        b.allowUnauthenticated(Boolean.parseBoolean(opts.get("allowUnauthenticated")));
      }
      if (opts.containsKey("runDir")) {
        b.runDir(java.nio.file.Path.of(opts.get("runDir")));
      }
      EchoService client =
          ClusterClient.of(EchoService.class)
              .options(b.build())
              .create(() -> new RealEchoService(name));
      clients.put(name, client);
    }
    for (Map.Entry<String, EchoService> e : clients.entrySet()) {
      ClusterHandle h = ClusterClient.handle(e.getValue());
      try {
        h.ready().get(60, TimeUnit.SECONDS);
        System.out.println("READY " + e.getKey() + " " + h.role());
      } catch (ExecutionException ex) {
        System.out.println("READY_FAILED " + e.getKey() + " " + oneLine(ex.getCause()));
      }
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("exit")) {
        break;
      }
      String[] parts = line.split(" ", 4);
      try {
        switch (parts[0]) {
          case "role":
            System.out.println("OK " + ClusterClient.handle(clients.get(parts[1])).role());
            break;
          case "call":
            Object result = call(clients.get(parts[1]), parts[2], parts.length > 3 ? parts[3] : "[]");
            System.out.println("OK " + JSON.writeValueAsString(result));
            break;
          default:
            System.out.println("ERR bad-command " + JSON.writeValueAsString(line));
        }
      } catch (Throwable t) {
        Throwable c = t instanceof CompletionException || t instanceof ExecutionException ? t.getCause() : t;
        System.out.println("ERR " + c.getClass().getName() + " " + JSON.writeValueAsString(describe(c)));
      }
    }
    for (EchoService c : clients.values()) {
      ClusterClient.handle(c).close();
    }
    io.clusterclient.testing.LeakFlush.flush();
    System.out.println("BYE");
  }

  private static Map<String, Object> describe(Throwable t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("message", t.getMessage());
    if (t instanceof RemoteInvocationException) {
      RemoteInvocationException r = (RemoteInvocationException) t;
      m.put("remoteClass", r.remoteClassName());
      m.put("remoteMessage", r.remoteMessage());
      m.put("code", r.code());
      m.put("remoteStack", r.remoteStackTrace() != null);
    }
    if (t.getCause() != null) {
      m.put("cause", t.getCause().getClass().getName());
    }
    return m;
  }

  private static String oneLine(Throwable t) {
    return (t.getClass().getName() + ": " + t.getMessage()).replace('\n', ' ');
  }

  private static Object call(EchoService c, String method, String json) throws Exception {
    List<Object> a = JSON.readValue(json, new TypeReference<List<Object>>() {});
    switch (method) {
      case "echo":
        return c.echo((String) a.get(0));
      case "add":
        return c.add((Integer) a.get(0), (Integer) a.get(1)).get(10, TimeUnit.SECONDS);
      case "done":
        return c.done((String) a.get(0)).get(10, TimeUnit.SECONDS);
      case "staged":
        return c.staged((String) a.get(0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      case "record":
        c.record((String) a.get(0));
        return null;
      case "recorded":
        return c.recorded();
      case "slow":
        return c.slow((Integer) a.get(0));
      case "fail":
        return c.fail((String) a.get(0));
      case "failCoded":
        return c.failCoded((String) a.get(0), (String) a.get(1));
      case "generic":
        return c.generic(JSON.convertValue(a.get(0), new TypeReference<List<Map<String, Integer>>>() {}));
      case "overloaded":
        if (a.size() == 2) {
          return c.overloaded((String) a.get(0), (Integer) a.get(1));
        }
        return a.get(0) instanceof Integer ? c.overloaded((Integer) a.get(0)) : c.overloaded((String) a.get(0));
      case "bytes":
        // Base64 in the command, raw bytes between the processes; answered as a digest.
        byte[] in = a.get(0) == null ? null : java.util.Base64.getDecoder().decode((String) a.get(0));
        byte[] out = c.bytes(in);
        return out == null ? null : out.length + ":" + java.util.Arrays.hashCode(out);
      case "bytesOf":
        byte[] big = new byte[(Integer) a.get(0)];
        new java.util.Random(7).nextBytes(big);
        byte[] inverted = c.bytes(big);
        for (int i = 0; i < big.length; i++) {
          if (inverted[i] != (byte) ~big[i]) {
            return "mismatch at " + i;
          }
        }
        return "ok " + inverted.length;
      case "whoami":
        return c.whoami();
      case "local":
        return c.local();
      default:
        throw new IllegalArgumentException("unknown method " + method);
    }
  }
}
