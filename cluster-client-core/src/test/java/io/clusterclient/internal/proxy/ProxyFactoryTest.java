package io.clusterclient.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Delegate;
import io.clusterclient.DelegateType;
import io.clusterclient.Role;
import io.clusterclient.spi.ClientSpec;
import io.clusterclient.spi.ClusterProxy;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Generated proxies, driven by a recording dispatcher instead of a cluster: what is intercepted, what
 * keeps its body, and that the client type's own construction code never runs.
 */
@Timeout(30)
class ProxyFactoryTest {
  /** Counts every run of {@link Heavy}'s constructor and field initializer, in any instance. */
  static final AtomicInteger HEAVY_INITIALIZATIONS = new AtomicInteger();

  // ---- client types ----

  public interface Greeter {
    @Delegate
    String greet(String name);

    @Delegate
    int add(int a, int b);

    @Delegate(DelegateType.INVOKE_ONEWAY)
    void ping();

    @Delegate
    String load(String path) throws IOException;

    String local();

    default String greetTwice(String name) {
      return greet(name) + "+" + greet(name);
    }
  }

  /** A real client whose construction must never run in a proxy. */
  public static class Heavy {
    private final String initialized = initialize();
    private final List<String> items = new CopyOnWriteArrayList<>();

    public Heavy() {
      HEAVY_INITIALIZATIONS.incrementAndGet();
      throw new IllegalStateException("the constructor of the real client ran");
    }

    private static String initialize() {
      HEAVY_INITIALIZATIONS.incrementAndGet();
      throw new IllegalStateException("a field initializer of the real client ran");
    }

    @Delegate
    public String greet(String name) {
      return "real " + name + " " + initialized + items;
    }

    protected String guarded() {
      return "real guarded";
    }

    public final String frozen() {
      return "real frozen";
    }

    @Override
    public String toString() {
      return "real toString " + initialized;
    }
  }

  /** Package-private: the proxy must be defined in this package to implement it. */
  interface Hidden {
    @Delegate
    String secret();
  }

  // ---- the recording dispatcher ----

  record Call(Object proxy, Method method, List<Object> args) {}

  @FunctionalInterface
  interface Answer {
    Object answer(Method method, Object[] args) throws Throwable;
  }

  static final class Recorder extends ProxyDispatcher {
    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile Answer answer = (m, a) -> null;

    @Override
    protected Object dispatch(Object proxy, Method method, Object[] args) throws Throwable {
      calls.add(new Call(proxy, method, args == null ? List.of() : Arrays.asList(args.clone())));
      return answer.answer(method, args);
    }

    List<String> names() {
      return calls.stream().map(c -> c.method().getName()).toList();
    }
  }

  private final Recorder recorder = new Recorder();

  @BeforeEach
  void resetCounter() {
    HEAVY_INITIALIZATIONS.set(0);
  }

  private static MethodTable table(Class<?> type, ClientSpec.Rule... rules) {
    return MethodTable.of(
        new ClientSpec<>(type, List.of(rules), Map.of(), Set.of(), true, ClusterOptions.defaults(), () -> null, null));
  }

  private <T> T proxy(Class<T> type, ClientSpec.Rule... rules) {
    T proxy = ProxyFactory.create(table(type, rules), recorder);
    assertThat(proxy).isInstanceOf(type);
    return proxy;
  }

  // ---- interfaces ----

  @Test
  void anInterfaceProxySendsEveryCallToTheDispatcherWithItsMethodAndArguments() throws Exception {
    Greeter greeter = proxy(Greeter.class);
    recorder.answer =
        (m, a) ->
            switch (m.getName()) {
              case "greet" -> "hi " + a[0];
              case "add" -> (Integer) a[0] + (Integer) a[1];
              case "load" -> "loaded " + a[0];
              default -> null;
            };

    assertThat(greeter.greet("ann")).isEqualTo("hi ann");
    assertThat(greeter.add(20, 22)).isEqualTo(42);
    greeter.ping();
    assertThat(greeter.load("/a")).isEqualTo("loaded /a");
    assertThat(greeter.local()).as("not delegated, but still intercepted").isNull();

    assertThat(recorder.calls)
        .extracting(Call::method)
        .containsExactly(
            Greeter.class.getMethod("greet", String.class),
            Greeter.class.getMethod("add", int.class, int.class),
            Greeter.class.getMethod("ping"),
            Greeter.class.getMethod("load", String.class),
            Greeter.class.getMethod("local"));
    assertThat(recorder.calls.get(0).args()).containsExactly("ann");
    assertThat(recorder.calls.get(1).args()).containsExactly(20, 22);
    assertThat(recorder.calls.get(2).args()).isEmpty();
    assertThat(recorder.calls).allSatisfy(c -> assertThat(c.proxy()).isSameAs(greeter));
  }

  @Test
  void anInterfaceOfTheJdkIsProxiedToo() {
    @SuppressWarnings("unchecked")
    Supplier<String> supplier = proxy(Supplier.class);
    recorder.answer = (m, a) -> "supplied";

    assertThat(supplier.get()).isEqualTo("supplied");
    assertThat(recorder.names()).containsExactly("get");
    assertThat(supplier.getClass().getName()).startsWith("io.clusterclient.generated.Supplier$$ClusterClient$");
  }

  @Test
  void aPackagePrivateInterfaceCanBeProxied() {
    Hidden hidden = proxy(Hidden.class);
    recorder.answer = (m, a) -> "psst";

    assertThat(hidden.secret()).isEqualTo("psst");
    assertThat(recorder.names()).containsExactly("secret");
    assertThat(hidden.getClass().getPackage()).isEqualTo(Hidden.class.getPackage());
  }

  @Test
  void aDefaultMethodThatIsNotDelegatedKeepsItsBodyAndCallsThroughTheProxy() {
    Greeter greeter = proxy(Greeter.class);
    recorder.answer = (m, a) -> "hi " + a[0];

    assertThat(greeter.greetTwice("bo")).isEqualTo("hi bo+hi bo");

    assertThat(recorder.names()).containsExactly("greet", "greet");
  }

  @Test
  void aDelegatedDefaultMethodIsInterceptedInsteadOfRunningItsBody() {
    Greeter greeter = proxy(Greeter.class, new ClientSpec.Rule("greetTwice", DelegateType.INVOKE, null));
    recorder.answer = (m, a) -> "from the leader";

    assertThat(greeter.greetTwice("bo")).isEqualTo("from the leader");

    assertThat(recorder.names()).containsExactly("greetTwice");
  }

  // ---- classes ----

  @Test
  void aClassProxyInterceptsItsPublicAndProtectedMethods() throws Exception {
    Heavy heavy = proxy(Heavy.class);
    recorder.answer = (m, a) -> "proxied " + m.getName();

    assertThat(heavy.greet("ann")).isEqualTo("proxied greet");
    assertThat(heavy.guarded()).isEqualTo("proxied guarded");

    assertThat(recorder.calls)
        .extracting(Call::method)
        .containsExactly(
            Heavy.class.getMethod("greet", String.class), Heavy.class.getDeclaredMethod("guarded"));
    assertThat(recorder.calls.get(0).args()).containsExactly("ann");
  }

  @Test
  void aClassProxyNeverRunsTheConstructorOrAFieldInitializerOfTheClientType() throws Exception {
    Heavy first = proxy(Heavy.class);
    Heavy second = proxy(Heavy.class);

    assertThat(HEAVY_INITIALIZATIONS).hasValue(0);
    Field initialized = Heavy.class.getDeclaredField("initialized");
    Field items = Heavy.class.getDeclaredField("items");
    for (Heavy h : List.of(first, second)) {
      assertThat(initialized.get(h)).isNull();
      assertThat(items.get(h)).isNull();
    }
  }

  @Test
  void aFinalMethodOfAClassCannotBeInterceptedAndKeepsItsBody() {
    Heavy heavy = proxy(Heavy.class);

    assertThat(heavy.frozen()).isEqualTo("real frozen");
    assertThat(recorder.calls).isEmpty();
  }

  // ---- ClusterProxy and Object's methods ----

  @Test
  void theProxyImplementsClusterProxyWhoseHandleComesFromTheDispatcher() {
    ClusterHandle handle = new FixedHandle();
    Greeter greeter = proxy(Greeter.class);
    Heavy heavy = ProxyFactory.create(table(Heavy.class), recorder);
    recorder.answer = (m, a) -> handle;

    assertThat(greeter).isInstanceOf(ClusterProxy.class);
    assertThat(heavy).isInstanceOf(ClusterProxy.class);
    assertThat(ClusterClient.handle(greeter)).isSameAs(handle);
    assertThat(((ClusterProxy) heavy).$$clusterHandle()).isSameAs(handle);
    assertThat(recorder.calls)
        .extracting(c -> (Object) c.method().getDeclaringClass())
        .containsOnly(ClusterProxy.class);
  }

  @Test
  void toStringEqualsAndHashCodeOfAnInterfaceProxyGoToTheDispatcher() {
    Greeter greeter = proxy(Greeter.class);
    Object other = new Object();
    recorder.answer =
        (m, a) ->
            switch (m.getName()) {
              case "toString" -> "Greeter[test]";
              case "hashCode" -> 1234;
              case "equals" -> a[0] == other;
              default -> throw new AssertionError("unexpected " + m);
            };

    assertThat(greeter.toString()).isEqualTo("Greeter[test]");
    assertThat(greeter.hashCode()).isEqualTo(1234);
    assertThat(greeter.equals(other)).isTrue();
    assertThat(greeter.equals(greeter)).isFalse();

    assertThat(recorder.names()).containsExactly("toString", "hashCode", "equals", "equals");
    assertThat(recorder.calls.get(2).args()).containsExactly(other);
  }

  @Test
  void toStringOfAClassProxyGoesToTheDispatcherEvenWhenTheClassOverridesIt() {
    Heavy heavy = proxy(Heavy.class);
    recorder.answer = (m, a) -> "Heavy[test]";

    assertThat(heavy.toString()).isEqualTo("Heavy[test]");
    assertThat(recorder.names()).containsExactly("toString");
  }

  // ---- the generated class ----

  @Test
  void theGeneratedClassIsReusedForASecondProxyOfTheSameTable() {
    MethodTable table = table(Greeter.class);
    Recorder other = new Recorder();
    recorder.answer = (m, a) -> "first";
    other.answer = (m, a) -> "second";

    Greeter first = ProxyFactory.create(table, recorder);
    Greeter second = ProxyFactory.create(table, other);
    Greeter third = ProxyFactory.create(table(Greeter.class), new Recorder());

    assertThat(second).isNotSameAs(first);
    assertThat(second.getClass()).isSameAs(first.getClass());
    assertThat(third.getClass()).as("an equal table of the same type").isSameAs(first.getClass());
    assertThat(first.greet("x")).isEqualTo("first");
    assertThat(second.greet("x")).as("each proxy keeps its own dispatcher").isEqualTo("second");
  }

  @Test
  void aTableThatInterceptsOtherMethodsGetsAClassOfItsOwn() {
    Greeter plain = ProxyFactory.create(table(Greeter.class), recorder);
    Greeter delegatedDefault =
        ProxyFactory.create(
            table(Greeter.class, new ClientSpec.Rule("greetTwice", DelegateType.INVOKE, null)),
            recorder);

    assertThat(delegatedDefault.getClass()).isNotSameAs(plain.getClass());
  }

  // ---- exceptions ----

  @Test
  void aDeclaredCheckedExceptionFromTheDispatcherPropagatesUnwrapped() {
    Greeter greeter = proxy(Greeter.class);
    IOException failure = new IOException("disk gone");
    recorder.answer =
        (m, a) -> {
          throw failure;
        };

    assertThatThrownBy(() -> greeter.load("/a")).isSameAs(failure);
  }

  @Test
  void anUndeclaredCheckedExceptionFromTheDispatcherPropagatesUnwrapped() {
    Greeter greeter = proxy(Greeter.class);
    Exception failure = new Exception("undeclared");
    recorder.answer =
        (m, a) -> {
          throw failure;
        };

    assertThatThrownBy(() -> greeter.greet("a")).isSameAs(failure);
  }

  @Test
  void anUncheckedExceptionOrErrorFromTheDispatcherPropagatesAsIs() {
    Greeter greeter = proxy(Greeter.class);
    IllegalStateException unchecked = new IllegalStateException("unchecked");
    recorder.answer =
        (m, a) -> {
          throw unchecked;
        };
    assertThatThrownBy(() -> greeter.greet("a")).isSameAs(unchecked);

    AssertionError error = new AssertionError("error");
    recorder.answer =
        (m, a) -> {
          throw error;
        };
    assertThatThrownBy(() -> greeter.add(1, 2)).isSameAs(error);
  }

  /** A handle that only identifies itself. */
  private static final class FixedHandle implements ClusterHandle {
    @Override
    public java.util.concurrent.CompletableFuture<Boolean> retractPublish(Object reg) {
      return java.util.concurrent.CompletableFuture.completedFuture(false);
    }

    @Override
    public String name() {
      return "fixed";
    }

    @Override
    public int port() {
      return 0;
    }

    @Override
    public CompletableFuture<Void> ready() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public Role role() {
      return Role.LEADER;
    }

    @Override
    public io.clusterclient.ClusterMetrics metrics() {
      return new io.clusterclient.ClusterMetrics(0, 0, 0, 0);
    }

    @Override
    public void addListener(io.clusterclient.ClusterListener listener) {}

    @Override
    public void addListener(
        io.clusterclient.ClusterListener listener, java.util.concurrent.Executor executor) {}

    @Override
    public void removeListener(io.clusterclient.ClusterListener listener) {}

    @Override
    public void close() {}
  }
}
