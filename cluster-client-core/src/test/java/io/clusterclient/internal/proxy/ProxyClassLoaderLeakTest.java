package io.clusterclient.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.ClusterOptions;
import io.clusterclient.DelegateType;
import io.clusterclient.spi.ClientSpec;
import java.io.ByteArrayOutputStream;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxied client type must not keep its class loader alive: a redeployed web application drops its
 * loader, and the proxy classes cached by this library must not pin it (and every class it loaded)
 * in memory. The client types are compiled here into a directory that only a throwaway loader sees,
 * so that nothing else in the test JVM can hold them.
 */
@Timeout(60)
class ProxyClassLoaderLeakTest {
  /**
   * How long the collector gets to clear the loader. A leak-free run clears it on the first full
   * collection or so; only a leak waits this long.
   */
  private static final Duration COLLECTION_DEADLINE = Duration.ofSeconds(10);

  private static final String PINGER =
      """
      package leak;

      import java.util.concurrent.CompletableFuture;

      public interface Pinger {
        String ping(String text);

        CompletableFuture<String> fetch(String key);

        default String twice(String text) {
          return ping(text) + ping(text);
        }
      }
      """;

  private static final String COUNTER =
      """
      package leak;

      import java.util.concurrent.CompletableFuture;

      public class Counter {
        private final int start = 1;

        public String name() {
          return "real " + start;
        }

        public CompletableFuture<Integer> remote() {
          return CompletableFuture.completedFuture(start);
        }
      }
      """;

  @TempDir static Path work;

  private static Path classes;

  @BeforeAll
  static void compileClientTypes() throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("the tests run on a JDK, which has a compiler").isNotNull();
    Path sources = Files.createDirectories(work.resolve("src/leak"));
    classes = Files.createDirectories(work.resolve("classes"));
    Path pinger = Files.writeString(sources.resolve("Pinger.java"), PINGER);
    Path counter = Files.writeString(sources.resolve("Counter.java"), COUNTER);
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int status =
        javac.run(
            null, errors, errors, "-d", classes.toString(), pinger.toString(), counter.toString());
    assertThat(status).as(errors.toString(StandardCharsets.UTF_8)).isZero();
  }

  /** A loader of the compiled client types only, child of the test's loader (and so of the library). */
  private static URLClassLoader throwawayLoader() throws Exception {
    return new URLClassLoader(
        new URL[] {classes.toUri().toURL()}, ProxyClassLoaderLeakTest.class.getClassLoader());
  }

  /** Creates a proxy the way a client session does: a method table from a spec, then the factory. */
  private static Object proxyOf(Class<?> type, ClientSpec.Rule... rules) {
    MethodTable table =
        MethodTable.of(
            new ClientSpec<>(
                type, List.of(rules), Map.of(), Set.of(), true, ClusterOptions.defaults(), () -> null,
                null));
    return ProxyFactory.create(table, new NameDispatcher());
  }

  @Test
  void aDroppedClassLoaderOfAProxiedClientTypeIsCollected() throws Exception {
    WeakReference<ClassLoader> loader = proxyTypesOfAThrowawayLoader();

    assertThat(collected(loader))
        .as("the loader of the proxied types was collected within %s", COLLECTION_DEADLINE)
        .isTrue();
  }

  @Test
  void sameNamedTypesOfTwoLoadersGetAProxyClassEach() throws Exception {
    try (URLClassLoader first = throwawayLoader();
        URLClassLoader second = throwawayLoader()) {
      Class<?> firstType = first.loadClass("leak.Pinger");
      Class<?> secondType = second.loadClass("leak.Pinger");

      Object firstProxy = proxyOf(firstType);
      Object secondProxy = proxyOf(secondType);

      assertThat(firstProxy).isInstanceOf(firstType).isNotInstanceOf(secondType);
      assertThat(secondProxy).isInstanceOf(secondType).isNotInstanceOf(firstType);
      assertThat(firstProxy.getClass().getClassLoader()).isSameAs(first);
      assertThat(secondProxy.getClass().getClassLoader()).isSameAs(second);
    }
  }

  /**
   * Loads the client types in a throwaway loader, proxies them (an interface, a class, two method
   * sets of one type), and checks that the cache still works while they live. Returns only a weak
   * reference: once this frame is gone, nothing of the test holds the loader, its types or the
   * proxies.
   */
  private static WeakReference<ClassLoader> proxyTypesOfAThrowawayLoader() throws Exception {
    URLClassLoader loader = throwawayLoader();
    try (loader) {
      Class<?> pinger = loader.loadClass("leak.Pinger");
      Object first = proxyOf(pinger);
      Object second = proxyOf(pinger);
      Object twiceDelegated =
          proxyOf(pinger, new ClientSpec.Rule("twice", DelegateType.INVOKE, null));
      Class<?> counter = loader.loadClass("leak.Counter");
      Object counterProxy = proxyOf(counter);

      assertThat(second).isNotSameAs(first);
      assertThat(second.getClass())
          .as("one proxy class per type and intercepted methods")
          .isSameAs(first.getClass());
      assertThat(twiceDelegated.getClass())
          .as("another set of intercepted methods")
          .isNotSameAs(first.getClass());
      assertThat(first.getClass().getClassLoader()).isSameAs(loader);
      assertThat(pinger.getMethod("ping", String.class).invoke(first, "x")).isEqualTo("ping");
      assertThat(pinger.getMethod("twice", String.class).invoke(first, "x")).isEqualTo("pingping");
      assertThat(pinger.getMethod("twice", String.class).invoke(twiceDelegated, "x"))
          .isEqualTo("twice");
      assertThat(counter.getMethod("name").invoke(counterProxy)).isEqualTo("name");
      assertThat(counter.getMethod("remote").invoke(counterProxy))
          .isInstanceOf(CompletableFuture.class);
    }
    return new WeakReference<>(loader);
  }

  /**
   * Requests full collections, with a little allocation in between ({@code System.gc()} is only a
   * request), until the reference is cleared or the deadline passes.
   *
   * @return whether the reference was cleared
   */
  private static boolean collected(Reference<?> reference) throws InterruptedException {
    long deadline = System.nanoTime() + COLLECTION_DEADLINE.toNanos();
    List<byte[]> garbage = new ArrayList<>();
    while (!reference.refersTo(null) && System.nanoTime() < deadline) {
      System.gc();
      garbage.add(new byte[64 * 1024]);
      if (garbage.size() > 32) {
        garbage.clear();
      }
      Thread.sleep(10);
    }
    return reference.refersTo(null);
  }

  /**
   * Answers every intercepted call with the method's name, as a String or a completed future; equals
   * and hashCode by identity, so that an assertion's message can print a proxy.
   */
  private static final class NameDispatcher extends ProxyDispatcher {
    @Override
    protected Object dispatch(Object proxy, Method method, Object[] args) {
      switch (method.getName()) {
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        default:
          break;
      }
      if (method.getReturnType() == CompletableFuture.class) {
        return CompletableFuture.completedFuture(method.getName());
      }
      return method.getReturnType() == String.class ? method.getName() : null;
    }
  }
}
