package io.clusterclient.internal.proxy;

import io.clusterclient.DelegateType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Everything the proxy and the leader need to know about one method of the client type, computed once
 * when the client is created so that no call reflects on the method again. Immutable and thread-safe.
 */
public final class MethodInfo {
  private final Method method;
  private final DelegateType kind;
  private final boolean overridden;
  private final Object overrideValue;
  private final String sig;
  private final Type[] parameterTypes;
  private final ReturnKind returnKind;
  private final Type resultType;
  private final String description;
  private final ListenerType listener;

  private final boolean idempotent;

  MethodInfo(
      Method method,
      DelegateType kind,
      boolean overridden,
      Object overrideValue,
      String sig,
      boolean idempotent) {
    this.idempotent = idempotent;
    this.method = method;
    this.kind = kind;
    this.overridden = overridden;
    this.overrideValue = overrideValue;
    this.sig = sig;
    this.parameterTypes = method.getGenericParameterTypes();
    this.returnKind = ReturnKind.of(method);
    this.resultType = resultTypeOf(method, returnKind);
    this.description = describe(method);
    this.listener =
        (kind == DelegateType.SUBSCRIBE || kind == DelegateType.UNSUBSCRIBE)
                && method.getParameterCount() == 2
            ? ListenerType.of(method, parameterTypes[1])
            : null;
  }

  private static Type resultTypeOf(Method method, ReturnKind kind) {
    if (kind == ReturnKind.VOID) {
      return Void.class;
    }
    if (kind == ReturnKind.FUTURE) {
      Type generic = method.getGenericReturnType();
      if (generic instanceof ParameterizedType) {
        return ((ParameterizedType) generic).getActualTypeArguments()[0];
      }
      return Object.class;
    }
    return method.getGenericReturnType();
  }

  /**
   * {@code Type.method(ParamType, ...)}, with simple names, for messages.
   *
   * @param method the method
   * @return a short readable signature
   */
  public static String describe(Method method) {
    return method.getDeclaringClass().getSimpleName()
        + "."
        + method.getName()
        + Arrays.stream(method.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(", ", "(", ")"));
  }

  /**
   * The Java-only signature that tells overloads apart on the wire: {@code name(java.lang.String,int)}.
   *
   * @param method the method
   * @return its signature
   */
  public static String signatureOf(Method method) {
    return method.getName()
        + Arrays.stream(method.getParameterTypes())
            .map(Class::getTypeName)
            .collect(Collectors.joining(",", "(", ")"));
  }

  /** @return the method of the client type */
  public Method method() {
    return method;
  }

  /** @return the method's name, which is also its name on the wire */
  public String name() {
    return method.getName();
  }

  /** @return how the method is delegated, or null when it is not */
  public DelegateType kind() {
    return kind;
  }

  /** @return whether the method is delegated */
  public boolean isDelegated() {
    return kind != null;
  }

  /** @return whether the method returns a fixed value given to {@code override} */
  public boolean isOverridden() {
    return overridden;
  }

  /** @return the fixed value given to {@code override} */
  public Object overrideValue() {
    return overrideValue;
  }

  /** @return the signature sent on the wire to tell overloads apart, or null when the name suffices */
  public String sig() {
    return sig;
  }

  /** @return the generic parameter types, shared: do not modify */
  public Type[] parameterTypes() {
    return parameterTypes;
  }

  /** @return the number of parameters */
  public int parameterCount() {
    return parameterTypes.length;
  }

  /** @return how the result is handed back */
  public ReturnKind returnKind() {
    return returnKind;
  }

  /** @return the type of the result: the return type, a future's type argument, or Void */
  public Type resultType() {
    return resultType;
  }

  /** @return whether the call is sent without waiting for an answer */
  public boolean isOneway() {
    return kind == DelegateType.INVOKE_ONEWAY || kind == DelegateType.PUBLISH;
  }

  /** @return whether a call lost with its leader may be sent again to the new one */
  public boolean isIdempotent() {
    return idempotent;
  }

  /** @return the listener parameter of a subscribe or unsubscribe method, or null */
  public ListenerType listener() {
    return listener;
  }

  /** @return a short readable signature such as {@code Registry.getData(String)} */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return description + (kind == null ? "" : " -> " + kind);
  }
}
