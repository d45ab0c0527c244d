package io.clusterclient.internal.proxy;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import io.clusterclient.ClusterConfigurationException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;

/**
 * The listener parameter of a subscribe method: a functional interface whose one method receives the
 * pushed value. The value's type is resolved from the declared parameter type, so that {@code
 * Consumer<List<String>>} reads a {@code List<String>}. Immutable and thread-safe.
 *
 * @param type the listener interface
 * @param method its single abstract method
 * @param valueType the resolved type of the value it receives
 */
public record ListenerType(Class<?> type, Method method, Type valueType) {
  /**
   * Resolves the listener parameter of a method.
   *
   * @param owner the subscribe or unsubscribe method, for messages
   * @param declared the declared (generic) type of the listener parameter
   * @return the listener type
   * @throws ClusterConfigurationException when the parameter is not a functional interface of one
   *     argument
   */
  static ListenerType of(Method owner, Type declared) {
    TypeFactory types = TypeFactory.defaultInstance();
    JavaType listener = types.constructType(declared);
    Class<?> raw = listener.getRawClass();
    Method sam = null;
    if (raw.isInterface()) {
      for (Method m : raw.getMethods()) {
        if (Modifier.isAbstract(m.getModifiers()) && !isObjectMethod(m)) {
          if (sam != null) {
            sam = null;
            break;
          }
          sam = m;
        }
      }
    }
    if (sam == null || sam.getParameterCount() != 1) {
      throw new ClusterConfigurationException(
          MethodInfo.describe(owner) + ": the listener parameter " + declared.getTypeName()
              + " must be a functional interface whose method takes the value, like Consumer<T>");
    }
    JavaType declaring = listener.findSuperType(sam.getDeclaringClass());
    JavaType value =
        types.resolveMemberType(
            sam.getGenericParameterTypes()[0],
            declaring == null ? listener.getBindings() : declaring.getBindings());
    sam.trySetAccessible();
    return new ListenerType(raw, sam, value);
  }

  private static boolean isObjectMethod(Method m) {
    try {
      Object.class.getMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
