package io.kubefuncs.charts;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One rendered object.
 *
 * @param source the template it came from (Helm's "# Source:" line)
 * @param tree the document as parsed, for assertions on raw values
 * @param object the same document as its Kubernetes model type
 */
record Manifest(
    String source, String apiVersion, String kind, String name, JsonNode tree, Object object) {

  String id() {
    return kind + "/" + name;
  }
}
