package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterclient.internal.codec.SerializeJsonCodec;
import io.clusterclient.testing.NodeJs;
import io.clusterclient.testing.TestProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The serialize-json codec against the live original: for each value, the bytes Node.js's {@code
 * require('serialize-json').encode(v)} writes (the package cluster-client 3.7.0 installs) must be the
 * bytes this codec writes for the same value, and what this codec writes must read back in Node.js as
 * the same value (Node.js writes it again byte for byte). Skipped, saying why, without node and npm.
 */
@Timeout(120)
class NodeSerializeJsonIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SCRIPT =
      """
      'use strict';
      const S = require('serialize-json');
      const rl = require('readline').createInterface({ input: process.stdin, terminal: false });
      rl.on('line', line => {
        const [cmd, arg] = line.split(' ');
        if (cmd === 'encode') {
          const value = eval('(' + Buffer.from(arg, 'base64').toString() + ')');
          process.stdout.write('ENCODED ' + S.encode(value).toString('base64') + '\\n');
        } else if (cmd === 'reencode') {
          process.stdout.write('REENCODED ' + S.encode(S.decode(Buffer.from(arg, 'base64'))).toString('base64') + '\\n');
        } else {
          process.exit(0);
        }
      });
      """;

  private static TestProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    Optional<NodeJs> detected = NodeJs.detect();
    assumeTrue(detected.isPresent(), "node and npm are not on the PATH: the serialize-json comparison is skipped");
    Path dir = detected.get().installCompat();
    Path script = dir.resolve("serialize-json-check.js");
    Files.writeString(script, SCRIPT);
    node = TestProcess.start("node-serialize-json",
        List.of(detected.get().nodeExecutable(), script.toString()), Map.of(), Path.of("target", "child-logs"));
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  private static String nodeEncodes(String jsExpression) {
    node.send("encode " + Base64.getEncoder().encodeToString(jsExpression.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return node.awaitLine("ENCODED ", WAIT).substring("ENCODED ".length());
  }

  private static void same(String jsExpression, Object javaValue) throws Exception {
    sameBytes(jsExpression, javaValue);
    String base64 = Base64.getEncoder().encodeToString(SerializeJsonCodec.shared().encodeToBytes(javaValue, Object.class));
    node.send("reencode " + base64);
    assertThat(node.awaitLine("REENCODED ", WAIT)).isEqualTo("REENCODED " + base64);
  }

  /** Only the bytes: Node.js itself does not read some of them back exactly (see below). */
  private static void sameBytes(String jsExpression, Object javaValue) throws Exception {
    byte[] ours = SerializeJsonCodec.shared().encodeToBytes(javaValue, Object.class);
    assertThat(Base64.getEncoder().encodeToString(ours)).as("bytes of %s", jsExpression)
        .isEqualTo(nodeEncodes(jsExpression));
  }

  @Test
  void everyJsonTypeIsWrittenByteForByteAsNodeJsWritesIt() throws Exception {
    same("null", null);
    same("true", true);
    same("''", "");
    same("'a b+c|d^e%f %2B ]$@*#'", "a b+c|d^e%f %2B ]$@*#");
    same("'café 中文 😀 \\u2028'", "café 中文 😀 \u2028");
    same("[1, -7, 0, 2.5, 2 ** 53, 5e-324, 0.1 + 0.2, 1e-7, 123456789012.125]",
        List.of(1, -7, 0, 2.5, 9007199254740992d, Double.MIN_VALUE, 0.1 + 0.2, 1e-7, 123456789012.125));
    // Whole numbers past 2^53 go to the base-36 dictionary, which Node.js reads back with parseInt:
    // inexactly (1e21), or as Infinity (the largest double). The bytes are still the same.
    sameBytes("[1e21, -(2 ** 60), 1.7976931348623157e308, -1e300]",
        List.of(1e21, -1152921504606846976d, Double.MAX_VALUE, -1e300));
    same("[NaN, Infinity, -Infinity, -0]",
        List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0));
    same("[[true, null], [], [[['deep']]]]",
        List.of(Arrays.asList(true, null), List.of(), List.of(List.of(List.of("deep")))));
    Map<String, Object> obj = new LinkedHashMap<>();
    obj.put("b", 1);
    obj.put("10", "ten");
    obj.put("a", Map.of());
    obj.put("2", "two");
    obj.put("", "e");
    obj.put("4294967295", "not an index");
    same("({b: 1, 10: 'ten', a: {}, 2: 'two', '': 'e', 4294967295: 'not an index'})", obj);
  }

  @Test
  void buffersAndDatesAreWrittenByteForByteAsNodeJsWritesThem() throws Exception {
    same("Buffer.from([0, 1, 127, 128, 255])", new byte[] {0, 1, 127, (byte) 128, (byte) 255});
    same("Buffer.alloc(0)", new byte[0]);
    same("new Date(1700000000123)", Instant.ofEpochMilli(1700000000123L));
    same("new Date(-62198755200000)", new java.util.Date(-62198755200000L));
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("id", "x");
    item.put("when", Instant.ofEpochMilli(-5));
    item.put("data", "hi".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    item.put("n", List.of(1.5, 123456789012.125));
    same("({id: 'x', when: new Date(-5), data: Buffer.from('hi'), n: [1.5, 123456789012.125]})", item);
  }

  @Test
  void aNodeJsErrorReadsAsARemoteErrorAndAJavaOneAsANodeJsError() throws Exception {
    String encoded = nodeEncodes("Object.assign(new Error('boom'), {name: 'EchoError', code: 'E1'})");
    Object decoded = SerializeJsonCodec.shared().decodeBytes(Base64.getDecoder().decode(encoded), Object.class);
    assertThat(decoded).isInstanceOfSatisfying(io.clusterclient.RemoteInvocationException.class, e -> {
      assertThat(e.remoteClassName()).isEqualTo("EchoError");
      assertThat(e.remoteMessage()).isEqualTo("boom");
      assertThat(e.code()).isEqualTo("E1");
    });
    byte[] ours = SerializeJsonCodec.shared().encodeToBytes(new CodedException("bad", "E2"), Object.class);
    String base64 = Base64.getEncoder().encodeToString(ours);
    node.send("reencode " + base64);
    assertThat(node.awaitLine("REENCODED ", WAIT)).isEqualTo("REENCODED " + base64);
  }
}
