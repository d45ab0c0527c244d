package io.clusterclient.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Delegate;
import io.clusterclient.DelegateType;
import io.clusterclient.spi.ClientSpec;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a client type's methods are delegated: builder rules, then {@link Delegate}, then the original
 * library's conventions; what cannot be delegated; and which methods an {@code invoke} packet can reach.
 */
@Timeout(10)
class MethodTableTest {

  // ---- client types ----

  interface Registry {
    @Delegate
    String getData(String path);

    @Delegate(DelegateType.INVOKE_ONEWAY)
    void report(String metrics);

    @Delegate(DelegateType.INVOKE_ONEWAY)
    CompletableFuture<Void> reportLater(String metrics);

    String local();

    int count();

    String label();

    void touch();

    @Delegate
    void ping();
  }

  interface Conventional {
    void subscribe(Object reg, Consumer<Object> listener);

    void unsubscribe(Object reg);

    void unSubscribe(Object reg, Consumer<Object> listener);

    void publish(Object reg);

    void close();

    CompletableFuture<String> fetch(String key);

    CompletionStage<Integer> size();

    String plain();

    @Delegate(DelegateType.INVOKE_ONEWAY)
    CompletableFuture<Void> fireAndForget(String event);
  }

  interface Overloads {
    @Delegate
    String find(String key);

    @Delegate
    String find(String key, int limit);

    @Delegate
    String find(int id);

    @Delegate
    String single(String a, int b);

    String hidden(String a);

    @Delegate(DelegateType.CLOSE)
    void close();

    @Delegate(DelegateType.SUBSCRIBE)
    void watch(String reg, Consumer<String> listener);

    @Delegate
    String fixed();
  }

  /** A class type: its final methods cannot be intercepted. */
  static class Service {
    public final String frozen() {
      return "real";
    }

    public String open() {
      return "real";
    }

    public void shutdown() {}

    protected String guarded() {
      return "real";
    }

    @SuppressWarnings("unused")
    private String secret() {
      return "real";
    }

    public static String helper() {
      return "static";
    }
  }

  static class AnnotatedFinal {
    @Delegate
    public final String frozen() {
      return "real";
    }
  }

  static final class FinalService {
    public String open() {
      return "real";
    }
  }

  // ---- helpers ----

  private static <T> MethodTable table(
      Class<T> type, List<ClientSpec.Rule> rules, Map<String, Object> overrides, boolean autoGenerate) {
    return MethodTable.of(
        new ClientSpec<>(type, rules, overrides, Set.of(), autoGenerate, ClusterOptions.defaults(), () -> null, null));
  }

  private static <T> MethodTable table(Class<T> type, ClientSpec.Rule... rules) {
    return table(type, Arrays.asList(rules), Map.of(), true);
  }

  private static ClientSpec.Rule rule(String name, DelegateType kind, Class<?>... parameterTypes) {
    return new ClientSpec.Rule(
        name, kind, parameterTypes.length == 0 ? null : Arrays.asList(parameterTypes));
  }

  private static Method method(Class<?> type, String name, Class<?>... parameterTypes) {
    try {
      return type.getMethod(name, parameterTypes);
    } catch (NoSuchMethodException e) {
      try {
        return type.getDeclaredMethod(name, parameterTypes);
      } catch (NoSuchMethodException e2) {
        throw new AssertionError(e2);
      }
    }
  }

  private static MethodInfo info(MethodTable table, Class<?> type, String name, Class<?>... params) {
    MethodInfo info = table.get(method(type, name, params));
    assertThat(info).as("entry of %s", name).isNotNull();
    return info;
  }

  private static DelegateType kind(MethodTable table, Class<?> type, String name, Class<?>... params) {
    return info(table, type, name, params).kind();
  }

  // ---- precedence ----

  @Test
  void aBuilderRuleWinsOverTheDelegateAnnotation() {
    MethodTable t =
        table(
            Registry.class,
            rule("report", DelegateType.INVOKE),
            rule("ping", DelegateType.INVOKE_ONEWAY));

    assertThat(kind(t, Registry.class, "report", String.class)).isEqualTo(DelegateType.INVOKE);
    assertThat(kind(t, Registry.class, "ping")).isEqualTo(DelegateType.INVOKE_ONEWAY);
  }

  @Test
  void aBuilderRuleIsCheckedEvenWhereAnAnnotationWouldHaveFitted() {
    assertThatThrownBy(() -> table(Registry.class, rule("getData", DelegateType.INVOKE_ONEWAY)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("getData");
  }

  @Test
  void aRuleChangesOnlyTheMethodItNames() {
    MethodTable t = table(Registry.class, rule("report", DelegateType.INVOKE));

    assertThat(kind(t, Registry.class, "reportLater", String.class))
        .as("no rule names it, so the annotation applies")
        .isEqualTo(DelegateType.INVOKE_ONEWAY);
    assertThat(kind(t, Registry.class, "ping")).isEqualTo(DelegateType.INVOKE);
  }

  @Test
  void theDelegateAnnotationIsUsedWhenNoRuleNamesTheMethod() {
    MethodTable t = table(Registry.class);

    assertThat(kind(t, Registry.class, "getData", String.class)).isEqualTo(DelegateType.INVOKE);
    assertThat(kind(t, Registry.class, "report", String.class)).isEqualTo(DelegateType.INVOKE_ONEWAY);
    assertThat(info(t, Registry.class, "local").isDelegated()).isFalse();
    assertThat(info(t, Registry.class, "local").kind()).isNull();
  }

  @Test
  void aRuleWithParameterTypesDelegatesOnlyThatOverload() {
    MethodTable t =
        table(Overloads.class, rule("hidden", DelegateType.INVOKE, String.class));

    assertThat(kind(t, Overloads.class, "hidden", String.class)).isEqualTo(DelegateType.INVOKE);

    assertThatThrownBy(() -> table(Overloads.class, rule("hidden", DelegateType.INVOKE, int.class)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("hidden")
        .hasMessageContaining("int");
  }

  // ---- conventions ----

  @Test
  void autoGenerateDelegatesTheOriginalLibrarysConventionalNamesAndFutureReturningMethods() {
    MethodTable t = table(Conventional.class);

    assertThat(kind(t, Conventional.class, "subscribe", Object.class, Consumer.class))
        .isEqualTo(DelegateType.SUBSCRIBE);
    assertThat(kind(t, Conventional.class, "unsubscribe", Object.class))
        .isEqualTo(DelegateType.UNSUBSCRIBE);
    assertThat(kind(t, Conventional.class, "unSubscribe", Object.class, Consumer.class))
        .isEqualTo(DelegateType.UNSUBSCRIBE);
    assertThat(kind(t, Conventional.class, "publish", Object.class)).isEqualTo(DelegateType.PUBLISH);
    assertThat(kind(t, Conventional.class, "close")).isEqualTo(DelegateType.CLOSE);
    assertThat(kind(t, Conventional.class, "fetch", String.class)).isEqualTo(DelegateType.INVOKE);
    assertThat(kind(t, Conventional.class, "size")).isEqualTo(DelegateType.INVOKE);
    assertThat(info(t, Conventional.class, "plain").isDelegated())
        .as("a plain method is not delegated by convention")
        .isFalse();
    assertThat(kind(t, Conventional.class, "fireAndForget", String.class))
        .as("an annotation wins over the future convention")
        .isEqualTo(DelegateType.INVOKE_ONEWAY);
    assertThat(t.ofKind(DelegateType.CLOSE)).extracting(MethodInfo::name).containsExactly("close");
    assertThat(t.ofKind(DelegateType.UNSUBSCRIBE))
        .extracting(MethodInfo::name)
        .containsExactlyInAnyOrder("unsubscribe", "unSubscribe");
  }

  @Test
  void autoGenerateOffDelegatesOnlyWhatRulesAndAnnotationsName() {
    MethodTable t = table(Conventional.class, List.of(), Map.of(), false);

    for (String name : List.of("subscribe", "unsubscribe", "unSubscribe", "publish", "close", "fetch", "size")) {
      assertThat(t.all())
          .filteredOn(i -> i.name().equals(name))
          .as(name)
          .isNotEmpty()
          .allSatisfy(i -> assertThat(i.isDelegated()).as(name).isFalse());
    }
    assertThat(kind(t, Conventional.class, "fireAndForget", String.class))
        .isEqualTo(DelegateType.INVOKE_ONEWAY);
    assertThat(t.ofKind(DelegateType.CLOSE)).isEmpty();
  }

  @Test
  void anOverriddenMethodIsNotDelegatedByConvention() {
    MethodTable t = table(Conventional.class, List.of(), Map.of("fetch", CompletableFuture.completedFuture("x")), true);

    MethodInfo fetch = info(t, Conventional.class, "fetch", String.class);
    assertThat(fetch.isOverridden()).isTrue();
    assertThat(fetch.isDelegated()).isFalse();
  }

  // ---- what cannot be delegated ----

  @Test
  void delegatingAMethodNameTheTypeDoesNotHaveIsRejectedListingItsMethods() {
    assertThatThrownBy(() -> table(Registry.class, rule("getDtaa", DelegateType.INVOKE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("getDtaa")
        .hasMessageContaining(Registry.class.getName())
        .hasMessageContaining("getData")
        .hasMessageContaining("report")
        .hasMessageContaining("local");
  }

  @Test
  void delegatingAPrivateOrStaticMethodIsRejectedLikeAnUnknownOne() {
    assertThatThrownBy(() -> table(Service.class, rule("secret", DelegateType.INVOKE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("secret")
        .hasMessageContaining("open");
    assertThatThrownBy(() -> table(Service.class, rule("helper", DelegateType.INVOKE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("helper");
  }

  @Test
  void aProtectedMethodOfAClassCanBeDelegated() {
    MethodTable t = table(Service.class, rule("guarded", DelegateType.INVOKE));

    assertThat(kind(t, Service.class, "guarded")).isEqualTo(DelegateType.INVOKE);
  }

  @Test
  void delegatingAFinalMethodOfAClassIsRejected() {
    assertThatThrownBy(() -> table(Service.class, rule("frozen", DelegateType.INVOKE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("frozen")
        .hasMessageContaining("final");
    assertThatThrownBy(() -> table(AnnotatedFinal.class))
        .as("the same through @Delegate")
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("frozen")
        .hasMessageContaining("final");
  }

  @Test
  void aFinalClassCannotBeProxied() {
    assertThatThrownBy(() -> table(FinalService.class))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(FinalService.class.getName())
        .hasMessageContaining("final");
  }

  @Test
  void aOnewayMethodThatReturnsAValueIsRejected() {
    assertThatThrownBy(() -> table(Registry.class, rule("getData", DelegateType.INVOKE_ONEWAY)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("getData")
        .hasMessageContaining("INVOKE_ONEWAY")
        .hasMessageContaining("String");
    assertThatThrownBy(() -> table(Registry.class, rule("count", DelegateType.INVOKE_ONEWAY)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("count");
  }

  @Test
  void aOnewayMethodMayReturnVoidOrAFuture() {
    MethodTable t = table(Registry.class, rule("touch", DelegateType.INVOKE_ONEWAY));

    assertThat(info(t, Registry.class, "touch").isOneway()).isTrue();
    assertThat(info(t, Registry.class, "reportLater", String.class).isOneway()).isTrue();
    assertThat(info(t, Registry.class, "reportLater", String.class).returnKind())
        .isEqualTo(ReturnKind.FUTURE);
  }

  @Test
  void publishTakesExactlyOneArgument() {
    interface TwoArgPublish {
      void publish(Object reg, Object value);
    }

    assertThatThrownBy(() -> table(TwoArgPublish.class, rule("publish", DelegateType.PUBLISH)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("PUBLISH")
        .hasMessageContaining("publish(Object, Object)");
  }

  @Test
  void subscribeUnsubscribeAndCloseCheckTheirArity() {
    assertThatThrownBy(() -> table(Registry.class, rule("getData", DelegateType.SUBSCRIBE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("SUBSCRIBE");
    assertThatThrownBy(() -> table(Registry.class, rule("touch", DelegateType.UNSUBSCRIBE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("UNSUBSCRIBE");
    assertThatThrownBy(() -> table(Registry.class, rule("report", DelegateType.CLOSE)))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("CLOSE");
  }

  // ---- overrides ----

  @Test
  void anOverrideValueMustFitTheReturnType() {
    assertThatThrownBy(() -> table(Registry.class, List.of(), Map.of("count", "seven"), true))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("override(\"count\"")
        .hasMessageContaining("int");
    Map<String, Object> nullForPrimitive = new LinkedHashMap<>();
    nullForPrimitive.put("count", null);
    assertThatThrownBy(() -> table(Registry.class, List.of(), nullForPrimitive, true))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("count");
  }

  @Test
  void anOverrideValueThatFitsIsKeptAndTheMethodIsNoLongerDelegated() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("count", 7);
    overrides.put("label", null);
    overrides.put("getData", "fixed");
    overrides.put("touch", "ignored for void");
    MethodTable t = table(Registry.class, List.of(), overrides, true);

    assertThat(info(t, Registry.class, "count").overrideValue()).isEqualTo(7);
    assertThat(info(t, Registry.class, "label").isOverridden()).isTrue();
    assertThat(info(t, Registry.class, "label").overrideValue()).isNull();
    MethodInfo getData = info(t, Registry.class, "getData", String.class);
    assertThat(getData.isOverridden()).isTrue();
    assertThat(getData.isDelegated()).as("the override wins over @Delegate").isFalse();
    assertThat(getData.overrideValue()).isEqualTo("fixed");
    assertThat(t.resolveInvoke("getData", 1, null)).as("an override never reaches the wire").isNull();
  }

  @Test
  void overridingAMethodTheTypeDoesNotHaveIsRejected() {
    assertThatThrownBy(() -> table(Registry.class, List.of(), Map.of("nope", 1), true))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("override(\"nope\")")
        .hasMessageContaining("getData");
  }

  // ---- signatures ----

  @Test
  void overloadedInvokeMethodsGetASignatureAndOthersDoNot() {
    MethodTable t = table(Overloads.class);

    assertThat(info(t, Overloads.class, "find", String.class).sig()).isEqualTo("find(java.lang.String)");
    assertThat(info(t, Overloads.class, "find", String.class, int.class).sig())
        .isEqualTo("find(java.lang.String,int)");
    assertThat(info(t, Overloads.class, "find", int.class).sig()).isEqualTo("find(int)");
    assertThat(info(t, Overloads.class, "single", String.class, int.class).sig()).isNull();
    assertThat(info(t, Overloads.class, "hidden", String.class).sig()).isNull();
    assertThat(info(t, Overloads.class, "close").sig()).isNull();
  }

  @Test
  void anOverloadWhoseTwinIsNotDelegatedNeedsNoSignature() {
    interface HalfOverloaded {
      @Delegate
      String get(String key);

      String get(int id);
    }

    MethodTable t = table(HalfOverloaded.class);

    assertThat(info(t, HalfOverloaded.class, "get", String.class).sig()).isNull();
    assertThat(t.resolveInvoke("get", 1, null).method())
        .isEqualTo(method(HalfOverloaded.class, "get", String.class));
  }

  // ---- resolveInvoke ----

  @Test
  void anInvokeIsResolvedBySignature() {
    MethodTable t = table(Overloads.class);

    assertThat(t.resolveInvoke("find", 1, "find(int)").method())
        .isEqualTo(method(Overloads.class, "find", int.class));
    assertThat(t.resolveInvoke("find", 1, "find(java.lang.String)").method())
        .isEqualTo(method(Overloads.class, "find", String.class));
    assertThat(t.resolveInvoke("find", 2, "find(java.lang.String,int)").method())
        .isEqualTo(method(Overloads.class, "find", String.class, int.class));
  }

  @Test
  void aSignatureMustBelongToTheNamedMethod() {
    MethodTable t = table(Overloads.class);

    assertThat(t.resolveInvoke("single", 1, "find(int)")).isNull();
    assertThat(t.resolveInvoke("find", 1, "find(long)")).isNull();
  }

  @Test
  void anInvokeWithoutSignatureIsResolvedByNameAndArgumentCount() {
    MethodTable t = table(Overloads.class);

    assertThat(t.resolveInvoke("find", 2, null).method())
        .isEqualTo(method(Overloads.class, "find", String.class, int.class));
    assertThat(t.resolveInvoke("single", 2, null).method())
        .isEqualTo(method(Overloads.class, "single", String.class, int.class));
  }

  @Test
  void aJavaScriptCallerMayLeaveOutTrailingArgumentsOfAMethodWithAUniqueName() {
    MethodTable t = table(Overloads.class);

    assertThat(t.resolveInvoke("single", 1, null).method().getName()).isEqualTo("single");
    assertThat(t.resolveInvoke("single", 0, null).method().getName()).isEqualTo("single");
    assertThat(t.resolveInvoke("single", 3, null)).as("more arguments than parameters").isNull();
  }

  @Test
  void anAmbiguousInvokeResolvesToNothing() {
    MethodTable t = table(Overloads.class);

    assertThat(t.resolveInvoke("find", 1, null))
        .as("find(String) and find(int) both take one argument")
        .isNull();
    assertThat(t.resolveInvoke("find", 0, null))
        .as("leaving arguments out is only allowed for a unique name")
        .isNull();
  }

  @Test
  void theWireCanNeverReachAMethodThatIsNotDelegatedAsAnInvoke() {
    MethodTable t = table(Overloads.class);
    MethodTable service = table(Service.class, rule("open", DelegateType.INVOKE));

    List<String> unreachable = new ArrayList<>();
    for (int argLength = 0; argLength <= 3; argLength++) {
      for (String name : List.of("hidden", "close", "watch", "toString", "hashCode", "getClass", "wait", "notify", "$$clusterHandle", "set$$dispatcher")) {
        if (t.resolveInvoke(name, argLength, null) != null) {
          unreachable.add(name + "/" + argLength);
        }
      }
      for (String name : List.of("shutdown", "frozen", "guarded", "secret", "helper", "toString")) {
        if (service.resolveInvoke(name, argLength, null) != null) {
          unreachable.add("Service." + name + "/" + argLength);
        }
      }
    }
    assertThat(unreachable).as("methods the wire reached").isEmpty();
    assertThat(t.resolveInvoke("hidden", 1, "hidden(java.lang.String)")).isNull();
    assertThat(t.resolveInvoke("close", 0, "close()")).isNull();
    assertThat(t.resolveInvoke("watch", 2, "watch(java.lang.String,java.util.function.Consumer)")).isNull();
    assertThat(service.resolveInvoke("shutdown", 0, "shutdown()")).isNull();
    assertThat(service.resolveInvoke("open", 0, null).method()).isEqualTo(method(Service.class, "open"));
  }

  @Test
  void theTableHoldsInstanceMethodsOnlyWithoutObjectsOwn() {
    MethodTable t = table(Service.class);

    assertThat(t.all())
        .extracting(MethodInfo::name)
        .containsExactlyInAnyOrder("frozen", "open", "shutdown", "guarded");
    assertThat(t.type()).isEqualTo(Service.class);
  }
}
