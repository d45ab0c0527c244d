package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Options: defaults, the precedence builder > system property > environment variable, parsing and
 * validation. Every test reads its properties and environment from maps through the package-private
 * {@code Builder.build(properties, env)} seam, never from the real JVM or process.
 */
@Timeout(10)
class ClusterOptionsTest {
  private final Map<String, String> properties = new HashMap<>();
  private final Map<String, String> env = new HashMap<>();

  private ClusterOptions build(ClusterOptions.Builder builder) {
    UnaryOperator<String> props = properties::get;
    UnaryOperator<String> vars = env::get;
    return builder.build(props, vars);
  }

  private ClusterOptions build() {
    return build(ClusterOptions.builder());
  }

  // ---- defaults ----

  @Test
  void everyOptionHasItsDocumentedDefaultWhenNothingIsSet() {
    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(7777).isEqualTo(ClusterOptions.DEFAULT_PORT);
    assertThat(o.maxWaitTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.responseTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(20));
    assertThat(o.checkHeartbeat()).isTrue();
    assertThat(o.broadcast()).isTrue();
    assertThat(o.maxFrameLength()).isEqualTo(64 * 1024 * 1024);
    assertThat(o.leader()).isEmpty();
    assertThat(o.singleMode()).isFalse();
    assertThat(o.name()).isEmpty();
    assertThat(o.subscribeTimeout()).isEmpty();
    assertThat(o.codec()).isEmpty();
    assertThat(o.callbackExecutor()).isEmpty();
  }

  // ---- precedence ----

  @Test
  void aValueSetOnTheBuilderWinsOverTheSystemPropertyAndTheEnvironment() {
    properties.put("clusterclient.port", "1111");
    env.put("CLUSTER_CLIENT_PORT", "2222");
    properties.put("clusterclient.responseTimeout", "100");
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "200");
    properties.put("clusterclient.broadcast", "true");
    env.put("CLUSTER_CLIENT_BROADCAST", "true");

    ClusterOptions o =
        build(
            ClusterOptions.builder()
                .port(3333)
                .responseTimeout(Duration.ofMillis(300))
                .broadcast(false));

    assertThat(o.port()).isEqualTo(3333);
    assertThat(o.responseTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(o.broadcast()).isFalse();
  }

  @Test
  void aSystemPropertyWinsOverTheEnvironment() {
    properties.put("clusterclient.port", "1111");
    env.put("CLUSTER_CLIENT_PORT", "2222");
    properties.put("clusterclient.maxWaitTime", "1500");
    env.put("CLUSTER_CLIENT_MAX_WAIT_TIME", "2500");
    properties.put("clusterclient.name", "from-property");
    env.put("CLUSTER_CLIENT_NAME", "from-env");

    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(1111);
    assertThat(o.maxWaitTime()).isEqualTo(Duration.ofMillis(1500));
    assertThat(o.name()).contains("from-property");
  }

  @Test
  void theEnvironmentIsReadWhenNeitherBuilderNorSystemPropertySetsAnOption() {
    env.put("CLUSTER_CLIENT_PORT", "2222");
    env.put("CLUSTER_CLIENT_NAME", "registry");
    env.put("CLUSTER_CLIENT_LEADER", "true");
    env.put("CLUSTER_CLIENT_SINGLE_MODE", "yes");
    env.put("CLUSTER_CLIENT_MAX_WAIT_TIME", "PT1M");
    env.put("CLUSTER_CLIENT_CONNECT_TIMEOUT", "1234");
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "PT0.5S");
    env.put("CLUSTER_CLIENT_HEARTBEAT_INTERVAL", "5000");
    env.put("CLUSTER_CLIENT_CHECK_HEARTBEAT", "false");
    env.put("CLUSTER_CLIENT_BROADCAST", "0");
    env.put("CLUSTER_CLIENT_SUBSCRIBE_TIMEOUT", "750");
    env.put("CLUSTER_CLIENT_MAX_FRAME_LENGTH", "4096");

    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(2222);
    assertThat(o.name()).contains("registry");
    assertThat(o.leader()).contains(true);
    assertThat(o.singleMode()).isTrue();
    assertThat(o.maxWaitTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(1234));
    assertThat(o.responseTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.checkHeartbeat()).isFalse();
    assertThat(o.broadcast()).isFalse();
    assertThat(o.subscribeTimeout()).contains(Duration.ofMillis(750));
    assertThat(o.maxFrameLength()).isEqualTo(4096);
  }

  // ---- the environment variables of Node.js cluster-client ----

  @Test
  void theNodeJsVariablesAreReadAfterTheJavaOnes() {
    env.put("NODE_CLUSTER_CLIENT_PORT", "7100");
    env.put("NODE_CLUSTER_CLIENT_SINGLE_MODE", "1");

    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(7100);
    assertThat(o.singleMode()).isTrue();
    assertThat(o.originOf("port")).isEqualTo("environment variable NODE_CLUSTER_CLIENT_PORT");
    assertThat(o.originOf("singleMode")).isEqualTo("environment variable NODE_CLUSTER_CLIENT_SINGLE_MODE");
  }

  @Test
  void theJavaNamesWinOverTheNodeJsOnes() {
    env.put("NODE_CLUSTER_CLIENT_PORT", "7100");
    env.put("CLUSTER_CLIENT_PORT", "7200");
    env.put("NODE_CLUSTER_CLIENT_SINGLE_MODE", "1");
    env.put("CLUSTER_CLIENT_SINGLE_MODE", "false");
    properties.put("clusterclient.port", "7300");

    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(7300);
    assertThat(o.singleMode()).isFalse();
    assertThat(build(ClusterOptions.builder().port(7400)).port()).isEqualTo(7400);
  }

  @Test
  void nodeSingleModeZeroIsClusterMode() {
    env.put("NODE_CLUSTER_CLIENT_SINGLE_MODE", "0");

    assertThat(build().singleMode()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "yes", "2"})
  void aNodeSingleModeValueThatNodeJsWouldReadOtherwiseIsRefused(String value) {
    env.put("NODE_CLUSTER_CLIENT_SINGLE_MODE", value);

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("NODE_CLUSTER_CLIENT_SINGLE_MODE is '" + value + "'")
        .hasMessageContaining("reads only 1 as true")
        .hasMessageContaining("set it to 1 or 0");
  }

  @Test
  void aNodePortOfZeroOrNotANumberIsRefused() {
    env.put("NODE_CLUSTER_CLIENT_PORT", "0");
    assertThatThrownBy(this::build).hasMessageContaining("NODE_CLUSTER_CLIENT_PORT is '0'")
        .hasMessageContaining("default port 7777");
    env.put("NODE_CLUSTER_CLIENT_PORT", "77x");
    assertThatThrownBy(this::build).hasMessageContaining("NODE_CLUSTER_CLIENT_PORT is '77x'");
  }

  @Test
  void onlyThePortAndSingleModeHaveNodeJsNames() {
    env.put("NODE_CLUSTER_CLIENT_MAX_WAIT_TIME", "5");
    env.put("NODE_CLUSTER_CLIENT_NAME", "x");

    ClusterOptions o = build();

    assertThat(o.maxWaitTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.name()).isEmpty();
  }

  // ---- formatKey ----

  @Test
  void formatKeyIsUnsetByDefaultAndKeptByToBuilder() {
    assertThat(build().formatKey()).isEmpty();
    assertThat(build().originOf("formatKey")).isEqualTo("default");
    java.util.function.Function<Object, String> f = reg -> "k";
    ClusterOptions o = build(ClusterOptions.builder().formatKey(f));
    assertThat(o.formatKey()).containsSame(f);
    assertThat(o.originOf("formatKey")).isEqualTo("code");
    assertThat(o.toBuilder().build().formatKey()).containsSame(f);
    assertThatThrownBy(() -> ClusterOptions.builder().formatKey(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aBlankSystemPropertyCountsAsUnsetAndFallsThroughToTheEnvironment() {
    properties.put("clusterclient.port", "   ");
    env.put("CLUSTER_CLIENT_PORT", "2222");

    assertThat(build().port()).isEqualTo(2222);
  }

  @Test
  void valuesAreTrimmedBeforeTheyAreParsed() {
    properties.put("clusterclient.port", " 4444 ");
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "\tPT2S\n");

    ClusterOptions o = build();

    assertThat(o.port()).isEqualTo(4444);
    assertThat(o.responseTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void onlyTheClusterClientPrefixedNamesAreRead() {
    properties.put("port", "1111");
    properties.put("clusterclient.PORT", "1112");
    env.put("PORT", "2222");
    env.put("CLUSTER_CLIENT_port", "2223");

    assertThat(build().port()).isEqualTo(ClusterOptions.DEFAULT_PORT);
  }

  // ---- durations ----

  @ParameterizedTest(name = "\"{0}\" reads as {1} ms")
  @CsvSource({
    "3000, 3000",
    "1, 1",
    "+250, 250",
    "PT3S, 3000",
    "pt3s, 3000",
    "PT0.25S, 250",
    "PT1M30S, 90000",
    "P1D, 86400000",
  })
  void durationsAreReadAsMillisecondsOrIso8601(String raw, long expectedMillis) {
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", raw);

    assertThat(build().responseTimeout()).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  // ---- invalid values ----

  @ParameterizedTest(name = "port \"{0}\"")
  @ValueSource(strings = {"abc", "77.7", "0x1E61", "99999999999"})
  void aPortThatIsNotAWholeNumberIsRejectedNamingTheSystemPropertyAndTheValue(String raw) {
    properties.put("clusterclient.port", raw);

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("clusterclient.port")
        .hasMessageContaining("'" + raw + "'");
  }

  @Test
  void aDurationThatDoesNotParseIsRejectedNamingTheEnvironmentVariableAndTheValue() {
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "3s");

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLUSTER_CLIENT_RESPONSE_TIMEOUT")
        .hasMessageContaining("'3s'");
  }

  @Test
  void aMalformedIsoDurationIsRejectedNamingTheSystemPropertyAndTheValue() {
    properties.put("clusterclient.maxWaitTime", "PT");

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("clusterclient.maxWaitTime")
        .hasMessageContaining("'PT'");
  }

  @ParameterizedTest(name = "boolean \"{0}\"")
  @ValueSource(strings = {"maybe", "on", "2", "tru"})
  void aBooleanThatIsNotTrueOrFalseIsRejectedNamingTheVariableAndTheValue(String raw) {
    env.put("CLUSTER_CLIENT_CHECK_HEARTBEAT", raw);

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLUSTER_CLIENT_CHECK_HEARTBEAT")
        .hasMessageContaining("'" + raw + "'");
  }

  @ParameterizedTest(name = "boolean \"{0}\" is {1}")
  @CsvSource({"true, true", "TRUE, true", "1, true", "Yes, true", "false, false", "0, false", "NO, false"})
  void booleansAcceptTrueFalseOneZeroYesNoInAnyCase(String raw, boolean expected) {
    env.put("CLUSTER_CLIENT_BROADCAST", raw);

    assertThat(build().broadcast()).isEqualTo(expected);
  }

  @Test
  void anInvalidValueThatTheBuilderOverridesIsNeverRead() {
    properties.put("clusterclient.port", "not-a-port");
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "soon");

    ClusterOptions o =
        build(ClusterOptions.builder().port(1234).responseTimeout(Duration.ofSeconds(1)));

    assertThat(o.port()).isEqualTo(1234);
    assertThat(o.responseTimeout()).isEqualTo(Duration.ofSeconds(1));
  }

  // ---- ranges ----

  @ParameterizedTest(name = "port {0}")
  @ValueSource(ints = {-1, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void aPortOutsideTheTcpRangeIsRejected(int port) {
    assertThatThrownBy(() -> build(ClusterOptions.builder().port(port)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("port")
        .hasMessageContaining(String.valueOf(port));
  }

  @Test
  void theEdgesOfThePortRangeAreAccepted() {
    assertThat(build(ClusterOptions.builder().port(0)).port()).isZero();
    assertThat(build(ClusterOptions.builder().port(65535)).port()).isEqualTo(65535);
  }

  @Test
  void anOutOfRangePortFromTheEnvironmentIsRejected() {
    env.put("CLUSTER_CLIENT_PORT", "70000");

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("70000");
  }

  @Test
  void anOutOfRangeValueFromTheEnvironmentNamesTheVariableItCameFrom() {
    env.put("CLUSTER_CLIENT_PORT", "70000");
    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLUSTER_CLIENT_PORT")
        .hasMessageContaining("70000");

    env.clear();
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "-5");
    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLUSTER_CLIENT_RESPONSE_TIMEOUT")
        .hasMessageContaining("'-5'");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"maxWaitTime", "connectTimeout", "responseTimeout", "heartbeatInterval"})
  void zeroAndNegativeDurationsAreRejectedFromTheBuilder(String option) {
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-1)}) {
      ClusterOptions.Builder b = ClusterOptions.builder();
      switch (option) {
        case "maxWaitTime" -> b.maxWaitTime(bad);
        case "connectTimeout" -> b.connectTimeout(bad);
        case "responseTimeout" -> b.responseTimeout(bad);
        case "heartbeatInterval" -> b.heartbeatInterval(bad);
        default -> throw new IllegalArgumentException(option);
      }
      assertThatThrownBy(() -> build(b))
          .as("%s = %s", option, bad)
          .isInstanceOf(ClusterConfigurationException.class)
          .hasMessageContaining(option)
          .hasMessageContaining("positive");
    }
  }

  @ParameterizedTest(name = "{0} = \"{1}\"")
  @CsvSource({
    "CLUSTER_CLIENT_MAX_WAIT_TIME, 0",
    "CLUSTER_CLIENT_CONNECT_TIMEOUT, -1",
    "CLUSTER_CLIENT_RESPONSE_TIMEOUT, PT0S",
    "CLUSTER_CLIENT_HEARTBEAT_INTERVAL, PT-1S",
  })
  void zeroAndNegativeDurationsAreRejectedFromTheEnvironment(String variable, String raw) {
    env.put(variable, raw);

    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("positive");
  }

  @Test
  void aZeroSubscribeTimeoutMeansNoneButANegativeOneIsRejected() {
    assertThat(build(ClusterOptions.builder().subscribeTimeout(Duration.ZERO)).subscribeTimeout())
        .isEmpty();
    assertThatThrownBy(() -> build(ClusterOptions.builder().subscribeTimeout(Duration.ofMillis(-1))))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("subscribeTimeout");
  }

  @Test
  void aFrameLimitBelowOneKibibyteIsRejected() {
    assertThat(build(ClusterOptions.builder().maxFrameLength(1024)).maxFrameLength()).isEqualTo(1024);
    assertThatThrownBy(() -> build(ClusterOptions.builder().maxFrameLength(1023)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("maxFrameLength")
        .hasMessageContaining("1023");
  }

  @Test
  void anEmptyNameIsRejected() {
    assertThatThrownBy(() -> ClusterOptions.builder().name(""))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("name");
  }

  // ---- names ----

  @Test
  void theEnvironmentVariableOfAnOptionIsItsNameInUpperSnakeCase() {
    assertThat(ClusterOptions.envName("responseTimeout")).isEqualTo("CLUSTER_CLIENT_RESPONSE_TIMEOUT");
    assertThat(ClusterOptions.envName("port")).isEqualTo("CLUSTER_CLIENT_PORT");
    assertThat(ClusterOptions.envName("maxFrameLength")).isEqualTo("CLUSTER_CLIENT_MAX_FRAME_LENGTH");
    assertThat(ClusterOptions.envName("singleMode")).isEqualTo("CLUSTER_CLIENT_SINGLE_MODE");
  }

  // ---- toBuilder ----

  @Test
  void toBuilderThenBuildGivesTheSameOptions() {
    Executor executor = Runnable::run;
    ClusterCodec codec = new NoCodec();
    ClusterOptions original =
        build(
            ClusterOptions.builder()
                .name("registry")
                .port(4321)
                .leader(false)
                .singleMode(true)
                .maxWaitTime(Duration.ofSeconds(7))
                .connectTimeout(Duration.ofMillis(700))
                .responseTimeout(Duration.ofMillis(70))
                .heartbeatInterval(Duration.ofSeconds(2))
                .checkHeartbeat(false)
                .broadcast(false)
                .subscribeTimeout(Duration.ofSeconds(4))
                .maxFrameLength(2048)
                .codec(codec)
                .callbackExecutor(executor));

    ClusterOptions copy = build(original.toBuilder());

    assertThat(copy).isNotSameAs(original).usingRecursiveComparison().isEqualTo(original);
    assertThat(copy.toString()).isEqualTo(original.toString());
    assertThat(copy.codec()).containsSame(codec);
    assertThat(copy.callbackExecutor()).containsSame(executor);
  }

  @Test
  void toBuilderKeepsUnsetOptionalsUnset() {
    ClusterOptions original = build();

    ClusterOptions copy = build(original.toBuilder());

    assertThat(copy).usingRecursiveComparison().isEqualTo(original);
    assertThat(copy.name()).isEmpty();
    assertThat(copy.leader()).isEmpty();
    assertThat(copy.subscribeTimeout()).isEmpty();
  }

  @Test
  void toBuilderValuesWinOverTheEnvironmentOfTheNewBuild() {
    ClusterOptions original = build(ClusterOptions.builder().port(1111));
    env.put("CLUSTER_CLIENT_PORT", "2222");
    env.put("CLUSTER_CLIENT_RESPONSE_TIMEOUT", "9999");

    ClusterOptions copy = build(original.toBuilder());

    assertThat(copy.port()).isEqualTo(1111);
    assertThat(copy.responseTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aBuilderMayBeReusedWithoutAffectingOptionsItAlreadyBuilt() {
    ClusterOptions.Builder b = ClusterOptions.builder().port(1111);
    ClusterOptions first = build(b);

    b.port(2222);
    ClusterOptions second = build(b);

    assertThat(first.port()).isEqualTo(1111);
    assertThat(second.port()).isEqualTo(2222);
  }

  /** A codec that is never used: the options only carry it. */
  private static final class NoCodec implements ClusterCodec {
    @Override
    public void encode(Object value, java.lang.reflect.Type type, java.io.OutputStream out) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object decode(java.io.InputStream in, java.lang.reflect.Type type) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void eachOptionTellsWhereItsValueCameFrom() {
    env.put("CLUSTER_CLIENT_PORT", "7788");
    properties.put("clusterclient.responseTimeout", "PT2S");
    ClusterOptions o = build(ClusterOptions.builder().name("n").maxWaitTime(Duration.ofSeconds(1)));
    assertThat(o.originOf("port")).isEqualTo("environment variable CLUSTER_CLIENT_PORT");
    assertThat(o.originOf("responseTimeout")).isEqualTo("system property clusterclient.responseTimeout");
    assertThat(o.originOf("name")).isEqualTo("code");
    assertThat(o.originOf("maxWaitTime")).isEqualTo("code");
    assertThat(o.originOf("heartbeatInterval")).isEqualTo("default");
    // Set in code, the environment does not override it: so it is the code's.
    assertThat(build(ClusterOptions.builder().port(1234)).originOf("port")).isEqualTo("code");
  }

  @Test
  void transportRunDirAndAllowUnauthenticatedAreReadLikeEveryOption() {
    ClusterOptions defaults = build();
    assertThat(defaults.transport()).isEqualTo(ClusterTransport.TCP);
    assertThat(defaults.runDir()).isEmpty();
    assertThat(defaults.allowUnauthenticated()).isFalse();

    env.put("CLUSTER_CLIENT_TRANSPORT", "unix");
    env.put("CLUSTER_CLIENT_RUN_DIR", "/run/user/1000/cc");
    properties.put("clusterclient.allowUnauthenticated", "true");
    ClusterOptions o = build();
    assertThat(o.transport()).isEqualTo(ClusterTransport.UNIX);
    assertThat(o.runDir()).contains(java.nio.file.Path.of("/run/user/1000/cc"));
    assertThat(o.allowUnauthenticated()).isTrue();
    assertThat(build(o.toBuilder())).usingRecursiveComparison().isEqualTo(o);

    env.put("CLUSTER_CLIENT_TRANSPORT", "carrier-pigeon");
    assertThatThrownBy(this::build)
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLUSTER_CLIENT_TRANSPORT")
        .hasMessageContaining("tcp or unix");
  }
}
