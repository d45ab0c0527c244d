package io.clusterclient.internal.proxy;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.Delegate;
import io.clusterclient.DelegateType;
import io.clusterclient.Idempotent;
import io.clusterclient.spi.ClientSpec;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The methods of a client type and how each is delegated, resolved once from the builder's rules, the
 * {@link Delegate} annotations and the original library's naming conventions. Immutable and
 * thread-safe.
 */
public final class MethodTable {
  private static final Map<String, DelegateType> CONVENTIONS =
      Map.of(
          "subscribe", DelegateType.SUBSCRIBE,
          "unsubscribe", DelegateType.UNSUBSCRIBE,
          "unSubscribe", DelegateType.UNSUBSCRIBE,
          "publish", DelegateType.PUBLISH,
          "close", DelegateType.CLOSE);

  private final Class<?> type;
  private final Map<Method, MethodInfo> byMethod;
  private final Map<String, MethodInfo> bySig;
  private final Map<String, List<MethodInfo>> invokableByName;
  private final Map<DelegateType, List<MethodInfo>> byKind;

  private MethodTable(Class<?> type, Map<Method, MethodInfo> byMethod) {
    this.type = type;
    this.byMethod = Collections.unmodifiableMap(byMethod);
    Map<String, MethodInfo> sigs = new HashMap<>();
    Map<String, List<MethodInfo>> names = new HashMap<>();
    Map<DelegateType, List<MethodInfo>> kinds = new HashMap<>();
    for (MethodInfo info : byMethod.values()) {
      if (!info.isDelegated()) {
        continue;
      }
      kinds.computeIfAbsent(info.kind(), k -> new ArrayList<>()).add(info);
      if (info.kind().isInvoke()) {
        sigs.put(MethodInfo.signatureOf(info.method()), info);
        names.computeIfAbsent(info.name(), k -> new ArrayList<>()).add(info);
      }
    }
    this.bySig = sigs;
    this.invokableByName = names;
    this.byKind = kinds;
  }

  /**
   * Resolves the table of a spec.
   *
   * @param spec what the builder described
   * @return the table
   * @throws ClusterConfigurationException when a rule names no method, or a method cannot be
   *     delegated the way asked
   */
  public static MethodTable of(ClientSpec<?> spec) {
    Class<?> type = spec.type();
    if (type.isPrimitive() || type.isArray() || Modifier.isFinal(type.getModifiers())) {
      throw new ClusterConfigurationException(
          type.getName() + " cannot be proxied: use an interface or a non-final class");
    }
    List<Method> methods = candidateMethods(type);
    Map<Method, DelegateType> kinds = new LinkedHashMap<>();

    for (ClientSpec.Rule rule : spec.rules()) {
      boolean matched = false;
      for (Method m : methods) {
        if (m.getName().equals(rule.methodName())
            && (rule.parameterTypes() == null
                || List.of(m.getParameterTypes()).equals(rule.parameterTypes()))) {
          kinds.put(m, rule.kind());
          matched = true;
        }
      }
      if (!matched) {
        throw new ClusterConfigurationException(
            "delegate(\""
                + rule.methodName()
                + "\""
                + (rule.parameterTypes() == null ? "" : ", " + rule.parameterTypes())
                + "): "
                + type.getName()
                + " has no such overridable method; its methods are "
                + names(methods));
      }
    }
    for (Method m : methods) {
      Delegate annotation = m.getAnnotation(Delegate.class);
      if (annotation != null) {
        kinds.putIfAbsent(m, annotation.value());
      }
    }
    if (spec.autoGenerate()) {
      for (Method m : methods) {
        if (kinds.containsKey(m) || spec.overrides().containsKey(m.getName())) {
          continue;
        }
        DelegateType convention = CONVENTIONS.get(m.getName());
        if (convention != null) {
          // A convention applies only where the method has the shape of its kind: publish(a, b)
          // or a final close() are simply not delegated, instead of refusing the whole type.
          if (fits(m, convention)) {
            kinds.put(m, convention);
          }
        } else if (m.getReturnType() == CompletableFuture.class
            || m.getReturnType() == CompletionStage.class) {
          kinds.put(m, DelegateType.INVOKE);
        }
      }
    }
    for (String name : spec.idempotent()) {
      if (methods.stream().noneMatch(m -> m.getName().equals(name))) {
        throw new ClusterConfigurationException(
            "idempotent(\"" + name + "\"): " + type.getName() + " has no such method; its methods are "
                + names(methods));
      }
    }
    for (String name : spec.overrides().keySet()) {
      if (methods.stream().noneMatch(m -> m.getName().equals(name))) {
        throw new ClusterConfigurationException(
            "override(\"" + name + "\"): " + type.getName() + " has no such method; its methods are "
                + names(methods));
      }
    }

    Map<String, Integer> invokeNames = new HashMap<>();
    kinds.forEach(
        (m, k) -> {
          if (k.isInvoke()) {
            invokeNames.merge(m.getName(), 1, Integer::sum);
          }
        });

    Map<Method, MethodInfo> infos = new LinkedHashMap<>();
    for (Method m : methods) {
      DelegateType kind = kinds.get(m);
      boolean overridden = spec.overrides().containsKey(m.getName());
      Object value = overridden ? spec.overrides().get(m.getName()) : null;
      if (overridden) {
        checkOverride(m, value);
        kind = null;
      }
      if (kind != null) {
        check(m, kind);
      }
      String sig =
          kind != null && kind.isInvoke() && invokeNames.getOrDefault(m.getName(), 0) > 1
              ? MethodInfo.signatureOf(m)
              : null;
      boolean idempotent =
          spec.idempotent().contains(m.getName()) || m.isAnnotationPresent(Idempotent.class);
      if (idempotent && (kind == null || !kind.isInvoke())) {
        throw new ClusterConfigurationException(
            MethodInfo.describe(m) + " is marked idempotent but is not delegated as an invoke: "
                + "only calls sent to the leader can be sent again");
      }
      infos.put(m, new MethodInfo(m, kind, overridden, value, sig, idempotent));
    }
    return new MethodTable(type, infos);
  }

  private static boolean fits(Method m, DelegateType kind) {
    try {
      check(m, kind);
      return true;
    } catch (ClusterConfigurationException e) {
      return false;
    }
  }

  private static void check(Method m, DelegateType kind) {
    String what = MethodInfo.describe(m);
    if (Modifier.isFinal(m.getModifiers())) {
      throw new ClusterConfigurationException(
          what + " is final and cannot be delegated: a proxy cannot intercept it; make it non-final");
    }
    ReturnKind returns = ReturnKind.of(m);
    switch (kind) {
      case INVOKE_ONEWAY:
      case PUBLISH:
        if (returns == ReturnKind.SYNC) {
          throw new ClusterConfigurationException(
              what + " is delegated as " + kind + " but returns " + m.getReturnType().getSimpleName()
                  + ": a oneway call has no result; return void or CompletableFuture<Void>");
        }
        if (kind == DelegateType.PUBLISH && m.getParameterCount() != 1) {
          throw new ClusterConfigurationException(
              what + " is delegated as PUBLISH, which takes exactly one argument: publish(reg)");
        }
        break;
      case SUBSCRIBE:
        if (m.getParameterCount() != 2) {
          throw new ClusterConfigurationException(
              what + " is delegated as SUBSCRIBE, which takes (reg, listener)");
        }
        break;
      case UNSUBSCRIBE:
        if (m.getParameterCount() != 1 && m.getParameterCount() != 2) {
          throw new ClusterConfigurationException(
              what + " is delegated as UNSUBSCRIBE, which takes (reg) or (reg, listener)");
        }
        break;
      case CLOSE:
        if (m.getParameterCount() != 0) {
          throw new ClusterConfigurationException(
              what + " is delegated as CLOSE, which takes no argument");
        }
        break;
      default:
        break;
    }
  }

  private static void checkOverride(Method m, Object value) {
    Class<?> r = m.getReturnType();
    if (r == void.class) {
      return;
    }
    Class<?> boxed = box(r);
    if (value == null ? r.isPrimitive() : !boxed.isInstance(value)) {
      throw new ClusterConfigurationException(
          "override(\"" + m.getName() + "\", " + value + "): the value must be a "
              + r.getName() + " to be returned by " + MethodInfo.describe(m));
    }
  }

  private static Class<?> box(Class<?> c) {
    if (!c.isPrimitive()) {
      return c;
    }
    if (c == int.class) {
      return Integer.class;
    }
    if (c == long.class) {
      return Long.class;
    }
    if (c == boolean.class) {
      return Boolean.class;
    }
    if (c == double.class) {
      return Double.class;
    }
    if (c == float.class) {
      return Float.class;
    }
    if (c == short.class) {
      return Short.class;
    }
    if (c == byte.class) {
      return Byte.class;
    }
    return Character.class;
  }

  /**
   * The instance methods a proxy must consider: public and protected, not static, not private, not
   * declared by Object, most specific override only, no bridges.
   */
  static List<Method> candidateMethods(Class<?> type) {
    Map<String, Method> bySignature = new LinkedHashMap<>();
    for (Method m : type.getMethods()) {
      consider(bySignature, m);
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isProtected(m.getModifiers())) {
          consider(bySignature, m);
        }
      }
    }
    return new ArrayList<>(bySignature.values());
  }

  private static void consider(Map<String, Method> bySignature, Method m) {
    int mod = m.getModifiers();
    if (Modifier.isStatic(mod)
        || Modifier.isPrivate(mod)
        || m.isBridge()
        || m.isSynthetic()
        || m.getDeclaringClass() == Object.class
        || isObjectMethod(m)) {
      return;
    }
    bySignature.putIfAbsent(MethodInfo.signatureOf(m), m);
  }

  /** toString, hashCode and equals, even where the type overrides them: the proxy answers those. */
  private static boolean isObjectMethod(Method m) {
    switch (m.getName()) {
      case "toString":
      case "hashCode":
        return m.getParameterCount() == 0;
      case "equals":
        return m.getParameterCount() == 1 && m.getParameterTypes()[0] == Object.class;
      default:
        return false;
    }
  }

  private static Set<String> names(Collection<Method> methods) {
    Set<String> names = new TreeSet<>();
    methods.forEach(m -> names.add(m.getName()));
    return names;
  }

  /** @return the client type */
  public Class<?> type() {
    return type;
  }

  /**
   * The entry of a method of the client type.
   *
   * @param method the method, as the proxy saw it
   * @return its entry, or null for a method the table does not hold
   */
  public MethodInfo get(Method method) {
    return byMethod.get(method);
  }

  /** @return every entry, in declaration order */
  public Collection<MethodInfo> all() {
    return byMethod.values();
  }

  /**
   * The delegated methods of one kind.
   *
   * @param kind the kind
   * @return the methods, possibly empty
   */
  public List<MethodInfo> ofKind(DelegateType kind) {
    return byKind.getOrDefault(kind, List.of());
  }

  /**
   * Finds the method an {@code invoke} packet asks for. Only methods delegated as INVOKE,
   * INVOKE_ONEWAY or PUBLISH can be found: the wire can never reach any other method.
   *
   * @param name the {@code method} field
   * @param argLength the {@code argLength} field
   * @param sig the Java-only {@code sig} field, or null
   * @return the method, or null when none (or more than one) fits
   */
  public MethodInfo resolveInvoke(String name, int argLength, String sig) {
    if (sig != null) {
      MethodInfo bySignature = bySig.get(sig);
      if (bySignature != null && bySignature.name().equals(name)) {
        return bySignature;
      }
      return null;
    }
    List<MethodInfo> candidates = invokableByName.get(name);
    if (candidates == null) {
      return null;
    }
    if (candidates.size() == 1) {
      // A JavaScript caller may leave trailing arguments out; they read as null.
      MethodInfo only = candidates.get(0);
      return argLength <= only.parameterCount() ? only : null;
    }
    MethodInfo found = null;
    for (MethodInfo info : candidates) {
      if (info.parameterCount() == argLength) {
        if (found != null) {
          return null;
        }
        found = info;
      }
    }
    return found;
  }
}
