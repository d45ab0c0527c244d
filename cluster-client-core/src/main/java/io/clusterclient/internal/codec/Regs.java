package io.clusterclient.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ProtocolException;
import io.clusterclient.internal.protocol.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;

/**
 * Registrations ({@code reg}) travel inside the JSON connection object, whatever the codec of
 * application objects: they are turned into JSON trees with the hardened JSON codec and back.
 */
public final class Regs {
  private Regs() {}

  /**
   * The JSON tree of a registration.
   *
   * @param reg the user's registration object
   * @param type its declared type
   * @return the tree
   * @throws ClusterConfigurationException when it cannot be written as JSON
   */
  public static JsonNode toTree(Object reg, Type type) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonCodec.shared().encode(reg, type, out);
      JsonNode tree = Wire.mapper().readTree(out.toByteArray());
      // It travels inside the connection object, one level down: refuse now what peers would refuse.
      if (depth(tree) >= Wire.MAX_NESTING_DEPTH) {
        throw new IllegalArgumentException(
            "nested deeper than " + (Wire.MAX_NESTING_DEPTH - 1) + " levels");
      }
      return tree;
    } catch (IOException | RuntimeException e) {
      throw new ClusterConfigurationException(
          "a registration must be writable as JSON, but " + reg + " is not: " + e.getMessage(), e);
    }
  }

  private static int depth(JsonNode node) {
    int max = 0;
    for (JsonNode child : node) {
      max = Math.max(max, depth(child));
    }
    return node.isContainerNode() ? max + 1 : 0;
  }

  /**
   * Reads a registration from the wire as the real client's declared type.
   *
   * @param tree the tree
   * @param type the declared type
   * @return the value
   * @throws ProtocolException when the tree is not a value of that type
   */
  public static Object fromTree(JsonNode tree, Type type) {
    try {
      byte[] bytes = Wire.mapper().writeValueAsBytes(tree);
      return JsonCodec.shared().decode(new ByteArrayInputStream(bytes), type);
    } catch (IOException | RuntimeException e) {
      throw new ProtocolException(
          "registration " + tree + " is not a " + type.getTypeName() + ": " + e.getMessage(), e);
    }
  }
}
