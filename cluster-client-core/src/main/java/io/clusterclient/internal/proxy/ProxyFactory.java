package io.clusterclient.internal.proxy;

import static net.bytebuddy.matcher.ElementMatchers.anyOf;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isEquals;
import static net.bytebuddy.matcher.ElementMatchers.isFinal;
import static net.bytebuddy.matcher.ElementMatchers.isHashCode;
import static net.bytebuddy.matcher.ElementMatchers.isToString;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.spi.ClusterProxy;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.dynamic.loading.MultipleParentClassLoader;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.FieldAccessor;
import net.bytebuddy.implementation.MethodDelegation;
import org.objenesis.Objenesis;
import org.objenesis.ObjenesisStd;
import org.objenesis.instantiator.ObjectInstantiator;

/**
 * Generates, once per client type and set of intercepted methods, a subclass (or implementation) of
 * the client type that sends every intercepted call to a {@link ProxyDispatcher}, and instantiates it
 * WITHOUT running any constructor or field initializer of the client type: a follower must never run
 * the real client's code. Thread-safe.
 *
 * <p>The generated classes are cached without ever keeping a client type's class loader alive: a
 * redeployed web application must be able to drop its loader, and with it every class it loaded,
 * even though this library (in a shared loader) proxied one of its types.
 */
public final class ProxyFactory {
  private static final String FIELD = "$$dispatcher";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  /**
   * Without Objenesis' own cache: it maps class names to instantiators in a plain map, which would
   * hold every generated class, and through it the client type's loader, for as long as this library
   * is loaded. {@link #proxiesOf} keeps the instantiators instead.
   */
  private static final Objenesis OBJENESIS = new ObjenesisStd(false);

  private static final ClassLoader LIBRARY_LOADER = ProxyFactory.class.getClassLoader();

  /**
   * The instantiators of a client type's proxy classes, by intercepted methods, stored in the
   * client type's {@link Class} itself (that is where a {@link ClassValue} keeps its values): they are
   * reachable only through the type, so when a web application drops its loader, its types, their
   * proxy classes and these entries are collected together. Nothing reachable from this library
   * points to them.
   */
  private static final ClassValue<Map<List<Method>, ObjectInstantiator<?>>> BY_CLIENT_TYPE =
      new ClassValue<>() {
        @Override
        protected Map<List<Method>, ObjectInstantiator<?>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  /**
   * The same, for client types that live at least as long as this library: those of its own loader
   * or an ancestor of it (the JDK's types among them). They must not go in {@link #BY_CLIENT_TYPE}:
   * the value stored in such a type (a {@code Supplier}, say) would point to a proxy class that
   * points to this library's loader, and would keep this library, when it is the one deployed in a
   * web application, alive forever. Holding them here keeps nothing alive that would not live anyway.
   */
  private static final Map<Class<?>, Map<List<Method>, ObjectInstantiator<?>>> LONG_LIVED =
      new ConcurrentHashMap<>();

  private ProxyFactory() {}

  /**
   * Creates a proxy instance.
   *
   * @param table the client type's methods
   * @param dispatcher where the calls go
   * @param <T> the client type
   * @return a new proxy, which also implements {@link ClusterProxy}
   */
  public static <T> T create(MethodTable table, ProxyDispatcher dispatcher) {
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) table.type();
    List<Method> intercepted = interceptedMethods(table);
    ObjectInstantiator<?> instantiator =
        proxiesOf(type)
            .computeIfAbsent(
                List.copyOf(intercepted),
                key -> OBJENESIS.getInstantiatorOf(generate(type, intercepted)));
    Object proxy = instantiator.newInstance();
    ((ProxyAccess) proxy).set$$dispatcher(dispatcher);
    return type.cast(proxy);
  }

  /**
   * The proxy classes of a client type, by intercepted methods: those of a type that may be unloaded
   * before this library are kept in the type itself, the others in a plain map.
   *
   * @param type the client type
   * @return its cache, thread-safe
   */
  private static Map<List<Method>, ObjectInstantiator<?>> proxiesOf(Class<?> type) {
    return livesAsLongAsThisLibrary(type)
        ? LONG_LIVED.computeIfAbsent(type, t -> new ConcurrentHashMap<>())
        : BY_CLIENT_TYPE.get(type);
  }

  /** Whether the type's loader is this library's or one of its ancestors, which it cannot outlive. */
  private static boolean livesAsLongAsThisLibrary(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    if (loader == null) {
      return true; // the bootstrap loader is never unloaded
    }
    for (ClassLoader l = LIBRARY_LOADER; l != null; l = l.getParent()) {
      if (l == loader) {
        return true;
      }
    }
    return false;
  }

  private static List<Method> interceptedMethods(MethodTable table) {
    List<Method> methods = new ArrayList<>();
    for (MethodInfo info : table.all()) {
      Method m = info.method();
      if (Modifier.isFinal(m.getModifiers())) {
        continue; // cannot be intercepted; delegating one is refused by MethodTable
      }
      // A default method that is not delegated keeps its body: it can only reach the client through
      // the proxy's other methods, so it is as safe on a follower as on the leader.
      if (m.isDefault() && !info.isDelegated() && !info.isOverridden()) {
        continue;
      }
      methods.add(m);
    }
    return methods;
  }

  private static Class<?> generate(Class<?> type, List<Method> intercepted) {
    boolean jdkType = type.getName().startsWith("java.") || type.getName().startsWith("javax.");
    String name =
        (jdkType ? "io.clusterclient.generated." + type.getSimpleName() : type.getName())
            + "$$ClusterClient$"
            + SEQUENCE.incrementAndGet();
    MethodDelegation toDispatcher =
        MethodDelegation.withDefaultConfiguration()
            .filter(named("intercept"))
            .toField(FIELD);
    DynamicType.Builder<?> builder =
        new ByteBuddy()
            .subclass(type, ConstructorStrategy.Default.NO_CONSTRUCTORS)
            .name(name)
            .implement(ClusterProxy.class, ProxyAccess.class)
            .defineField(FIELD, ProxyDispatcher.class, Visibility.PRIVATE)
            .method(isDeclaredBy(ProxyAccess.class))
            .intercept(FieldAccessor.ofField(FIELD))
            .method(
                anyOf(intercepted.toArray(new Method[0]))
                    .or(isDeclaredBy(ClusterProxy.class))
                    .or(isToString())
                    .or(isEquals())
                    .or(isHashCode())
                    .and(not(isFinal())))
            .intercept(toDispatcher);
    try (DynamicType.Unloaded<?> unloaded = builder.make()) {
      return unloaded.load(type.getClassLoader(), loadingStrategy(type, jdkType)).getLoaded();
    } catch (ClusterConfigurationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ClusterConfigurationException(
          "cannot generate a proxy of " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  private static ClassLoadingStrategy<ClassLoader> loadingStrategy(Class<?> type, boolean jdkType) {
    if (!jdkType) {
      try {
        // Same package and class loader as the client type: package-private types work too.
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
        return ClassLoadingStrategy.UsingLookup.of(lookup);
      } catch (IllegalAccessException | RuntimeException e) {
        if (!Modifier.isPublic(type.getModifiers())) {
          throw new ClusterConfigurationException(
              type.getName() + " is not public and its package is not open to cluster-client: "
                  + "make the type public or open its package to io.clusterclient.core", e);
        }
      }
    }
    ClassLoader loader =
        new MultipleParentClassLoader.Builder()
            .appendMostSpecific(type.getClassLoader(), ProxyFactory.class.getClassLoader())
            .build();
    return new WrappingStrategy(loader);
  }

  /** Loads into a fresh class loader whose parent sees both the client type and this library. */
  private static final class WrappingStrategy implements ClassLoadingStrategy<ClassLoader> {
    private final ClassLoader parent;

    WrappingStrategy(ClassLoader parent) {
      this.parent = parent;
    }

    @Override
    public Map<net.bytebuddy.description.type.TypeDescription, Class<?>> load(
        ClassLoader ignored, Map<net.bytebuddy.description.type.TypeDescription, byte[]> types) {
      return ClassLoadingStrategy.Default.WRAPPER.load(parent, types);
    }
  }
}
