package io.clusterclient.internal.leader;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.RealClientFactory;
import io.clusterclient.spi.ClientSpec;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns what the builder was given (a factory, or constructor arguments) into a factory. */
public final class RealClients {
  private RealClients() {}

  /**
   * The factory of a spec, checked now so that a follower reports a wrong constructor too.
   *
   * @param spec the builder's description
   * @param <T> the client type
   * @return a factory that runs only when called
   * @throws ClusterConfigurationException when no constructor matches the arguments
   */
  public static <T> RealClientFactory<? extends T> factoryOf(ClientSpec<T> spec) {
    if (spec.factory() != null) {
      return spec.factory();
    }
    Class<T> type = spec.type();
    Object[] args = spec.constructorArgs();
    if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      throw new ClusterConfigurationException(
          type.getName() + " is abstract: create(...) with constructor arguments needs a concrete "
              + "class; pass a factory instead: create(() -> new MyRealClient(...))");
    }
    List<Constructor<?>> matches = new ArrayList<>();
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (!Modifier.isPrivate(c.getModifiers()) && fits(c.getParameterTypes(), args)) {
        matches.add(c);
      }
    }
    if (matches.size() != 1) {
      throw new ClusterConfigurationException(
          (matches.isEmpty() ? "no" : "more than one") + " constructor of " + type.getName()
              + " takes " + describe(args) + "; its constructors are "
              + Arrays.toString(type.getDeclaredConstructors())
              + (matches.isEmpty() ? "" : "; pass a factory to choose one"));
    }
    Constructor<?> constructor = matches.get(0);
    return () -> {
      constructor.trySetAccessible();
      return type.cast(constructor.newInstance(args));
    };
  }

  private static boolean fits(Class<?>[] params, Object[] args) {
    if (params.length != args.length) {
      return false;
    }
    for (int i = 0; i < params.length; i++) {
      Object a = args[i];
      if (a == null ? params[i].isPrimitive() : !box(params[i]).isInstance(a)) {
        return false;
      }
    }
    return true;
  }

  static Class<?> box(Class<?> c) {
    if (!c.isPrimitive()) {
      return c;
    }
    return java.lang.invoke.MethodType.methodType(c).wrap().returnType();
  }

  /**
   * The zero of a primitive type: for arguments a JavaScript caller left out, and for what a listener
   * proxy returns.
   *
   * @param c a type
   * @return its default value, or null for reference types
   */
  static Object defaultValue(Class<?> c) {
    if (!c.isPrimitive() || c == void.class) {
      return null;
    }
    return java.lang.reflect.Array.get(java.lang.reflect.Array.newInstance(c, 1), 0);
  }

  private static String describe(Object[] args) {
    List<String> types = new ArrayList<>();
    for (Object a : args) {
      types.add(a == null ? "null" : a.getClass().getSimpleName());
    }
    return "(" + String.join(", ", types) + ")";
  }
}
