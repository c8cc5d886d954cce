package io.kubefuncs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The image of a static binary, such as a Go function built with {@code CGO_ENABLED=0}, written as
 * a docker-archive tar that {@code ctr images import}, {@code kind load image-archive} and {@code
 * docker load} read: one layer with the binary at {@code /<name>}, an {@code /etc/passwd} naming
 * the user it runs as (65532, as the function chart's pods) and a {@code /tmp}; nothing else, as
 * the distroless image of the project's Dockerfile. Every entry has time 0 and owner root, so that
 * the same binary gives the same image ID.
 */
final class StaticImage {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BLOCK = 512;

  private final String name;
  private final byte[] binary;
  private final String architecture;
  private final byte[] layer;
  private final String layerDigest;
  private final byte[] config;
  private final String id;

  /**
   * @param name the binary's name in the image, {@code /<name>}, its entrypoint
   * @param architecture Go's name of the binary's architecture (amd64, arm64)
   */
  StaticImage(String name, byte[] binary, String architecture) throws IOException {
    this.name = name;
    this.binary = binary;
    this.architecture = architecture;
    this.layer = layer();
    this.layerDigest = sha256(layer);
    this.config = config();
    this.id = sha256(config);
  }

  /**
   * The first 12 hex digits of the image's ID (its config's SHA-256), as deploy tags Jib's images.
   */
  String tag() {
    return id.substring(0, 12);
  }

  private byte[] layer() throws IOException {
    ByteArrayOutputStream layer = new ByteArrayOutputStream(binary.length + 8 * BLOCK);
    directory(layer, "etc/", 0755);
    file(
        layer,
        "etc/passwd",
        0644,
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
            .getBytes(StandardCharsets.UTF_8));
    file(
        layer, "etc/group", 0644, "root:x:0:\nnonroot:x:65532:\n".getBytes(StandardCharsets.UTF_8));
    directory(layer, "tmp/", 01777);
    file(layer, name, 0755, binary);
    end(layer);
    return layer.toByteArray();
  }

  private byte[] config() throws IOException {
    ObjectNode root = JSON.createObjectNode().put("architecture", architecture).put("os", "linux");
    ObjectNode config = root.putObject("config").put("User", "65532:65532");
    config.putArray("Entrypoint").add("/" + name);
    config.putArray("Env").add("PATH=/usr/local/bin:/usr/bin:/bin");
    config.putObject("ExposedPorts").putObject("8080/tcp");
    ObjectNode rootfs = root.putObject("rootfs").put("type", "layers");
    rootfs.putArray("diff_ids").add("sha256:" + layerDigest);
    return JSON.writeValueAsBytes(root);
  }

  /** Writes the image as {@code out}, named {@code ref} (repository:tag). */
  void write(Path out, String ref) throws IOException {
    String configName = id + ".json";
    String layerName = layerDigest + "/layer.tar";
    ArrayNode manifests = JSON.createArrayNode();
    ObjectNode manifest = manifests.addObject().put("Config", configName);
    manifest.putArray("RepoTags").add(ref);
    manifest.putArray("Layers").add(layerName);
    Files.createDirectories(out.toAbsolutePath().getParent());
    try (OutputStream tar = Files.newOutputStream(out)) {
      directory(tar, layerDigest + "/", 0755);
      file(tar, layerName, 0644, layer);
      file(tar, configName, 0644, config);
      file(tar, "manifest.json", 0644, JSON.writeValueAsBytes(manifests));
      end(tar);
    }
  }

  private static void directory(OutputStream tar, String path, int mode) throws IOException {
    tar.write(header(path, 0, mode, '5'));
  }

  private static void file(OutputStream tar, String path, int mode, byte[] content)
      throws IOException {
    tar.write(header(path, content.length, mode, '0'));
    tar.write(content);
    int pad = (BLOCK - content.length % BLOCK) % BLOCK;
    tar.write(new byte[pad]);
  }

  private static void end(OutputStream tar) throws IOException {
    tar.write(new byte[2 * BLOCK]);
  }

  /** A ustar header: owner 0:0, time 0. */
  private static byte[] header(String path, long size, int mode, char type) {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length > 100) {
      throw new IllegalArgumentException("a name of at most 100 bytes in an image tar: " + path);
    }
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, name.length);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0);
    h[156] = (byte) type;
    put(h, 257, "ustar\0" + "00");
    // The checksum is summed with its own field as spaces.
    put(h, 148, "        ");
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum) + "\0 ");
    return h;
  }

  private static void octal(byte[] h, int at, int width, long value) {
    put(h, at, String.format("%0" + (width - 1) + "o", value) + "\0");
  }

  private static void put(byte[] h, int at, String ascii) {
    byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, at, b.length);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
